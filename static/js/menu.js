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
