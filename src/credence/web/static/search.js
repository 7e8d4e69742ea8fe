// Results as you type: fetch the results fragment the server renders for the same query. Without
// JavaScript the form submits and the same page comes back with the results.
(function () {
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  if (!input || !results) return;
  let timer = null;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const q = input.value.trim();
      const response = await fetch("/search/results?q=" + encodeURIComponent(q));
      if (response.ok) results.innerHTML = await response.text();
      history.replaceState(null, "", q ? "/?q=" + encodeURIComponent(q) : "/");
    }, 200);
  });
})();
