// A file of bidders on /checks with its progress: the form is sent by fetch with an id of this page's
// making, and /checks/progress/{id} is asked how many bidders are checked, for the <progress> bar and a
// status line that screen readers announce (role=status, aria-live=polite). The answer (CSV) downloads
// when it is ready; an error page's message is shown in the status line. Without this script the form
// posts as it always did.
(function () {
  "use strict";
  var form = document.getElementById("file");
  if (!form || !window.fetch || !window.FormData || !window.URL || !URL.createObjectURL) {
    return;
  }
  var box = document.getElementById("file-progress-box");
  var bar = document.getElementById("file-progress");
  var status = document.getElementById("file-status");
  var button = form.querySelector("button[type=submit]");
  var lang = document.documentElement.lang || undefined;

  function number(n) {
    return Number(n).toLocaleString(lang);
  }

  function say(template, done, total) {
    return template.replace("{done}", number(done)).replace("{total}", number(total));
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) {
      return crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  form.addEventListener("submit", function (event) {
    if (!form.checkValidity()) {
      return;
    }
    event.preventDefault();
    var job = newId();
    form.elements.job.value = job;
    var data = new FormData(form);
    var finished = false;
    var total = 0; // the file's bidders, once the server has read it
    button.disabled = true;
    box.hidden = false;
    bar.removeAttribute("value"); // indeterminate while the file is sent and read
    status.textContent = form.dataset.reading;

    function poll() {
      if (finished) {
        return;
      }
      fetch("/checks/progress/" + job, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (p) {
          if (finished || !p || !p.total) {
            return;
          }
          total = p.total;
          bar.max = p.total;
          bar.value = p.done;
          status.textContent = say(form.dataset.checking, p.done, p.total);
        })
        .catch(function () {})
        .then(function () {
          if (!finished) {
            setTimeout(poll, 400);
          }
        });
    }
    setTimeout(poll, 200);

    fetch(form.action, { method: "POST", body: data })
      .then(function (response) {
        var type = response.headers.get("content-type") || "";
        if (response.ok && type.indexOf("text/csv") === 0) {
          var disposition = response.headers.get("content-disposition") || "";
          var named = /filename="([^"]+)"/.exec(disposition);
          return response.blob().then(function (blob) {
            finished = true;
            var lines = 0;
            return blob.text().then(function (text) {
              lines = total || Math.max(text.split("\n").length - 2, 0);
              var link = document.createElement("a");
              link.href = URL.createObjectURL(blob);
              link.download = named ? named[1] : "checks.csv";
              link.id = "file-answer";
              link.textContent = form.dataset.again;
              bar.max = Math.max(lines, 1);
              bar.value = bar.max;
              status.textContent = say(form.dataset.done, lines, lines) + " ";
              status.appendChild(link);
              link.click();
            });
          });
        }
        return response.text().then(function (html) {
          finished = true;
          var page = new DOMParser().parseFromString(html, "text/html");
          var error = page.getElementById("error");
          box.hidden = true;
          status.textContent = error ? error.textContent : form.dataset.failed;
        });
      })
      .catch(function () {
        finished = true;
        box.hidden = true;
        status.textContent = form.dataset.failed;
      })
      .then(function () {
        button.disabled = false;
      });
  });
})();
