// Below 768 px the main navigation folds behind a Menu button. Without JavaScript the class
// below is never set and the navigation simply stays open.
document.documentElement.classList.add("js");
document.addEventListener("click", function (event) {
  var button = event.target.closest(".menu-toggle");
  if (!button) return;
  var open = button.getAttribute("aria-expanded") !== "true";
  button.setAttribute("aria-expanded", String(open));
  document.getElementById(button.getAttribute("aria-controls")).classList.toggle("open", open);
});

// A link to a milestone or criterion (#m-12, #c-40) opens the collapsed card it points into.
(function () {
  function reveal() {
    if (!location.hash) return;
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (!target) return;
    const body = target.querySelector(":scope > details.milestone-body");
    if (body) body.open = true;
    for (let el = target.parentElement; el; el = el.parentElement) {
      if (el.tagName === "DETAILS") el.open = true;
    }
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal);
  document.addEventListener("DOMContentLoaded", reveal);
})();
