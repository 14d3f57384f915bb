// Clicking a variable beside a clause's textarea inserts it at the cursor (our own file:
// the CSP allows no inline script). Without JavaScript the list still shows what to type.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-insert]");
  if (!button) return;
  var area = document.getElementById(button.getAttribute("data-target"));
  if (!area) return;
  var text = button.getAttribute("data-insert");
  var start = area.selectionStart, end = area.selectionEnd;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.focus();
  area.selectionStart = area.selectionEnd = start + text.length;
  area.dispatchEvent(new Event("input", { bubbles: true }));  // refresh the live preview
});
