// Results as you type: fetch the results fragment the server renders for the same query and filters, and
// keep the address in step (/search?...), so it can be bookmarked or shared. Without JavaScript the form
// submits and the same page comes back with the results.
(function () {
  const form = document.getElementById("search-form");
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  if (!form || !input || !results) return;
  let timer = null;
  let asked = 0;
  function params() {
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (String(value).trim()) query.append(name, String(value).trim());
    }
    return query.toString();
  }
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const query = params();
      const mine = ++asked;
      const response = await fetch("/search/results" + (query ? "?" + query : ""));
      if (mine !== asked) return; // an answer to an earlier query came late
      if (response.ok || response.status === 422) results.innerHTML = await response.text();
      history.replaceState(null, "", "/search" + (query ? "?" + query : ""));
    }, 200);
  }
  input.addEventListener("input", refresh);
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", refresh);
  });
})();
