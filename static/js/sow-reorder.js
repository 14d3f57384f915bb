// Drag and drop for SOW sections. The Move up / Move down buttons are the keyboard route;
// this only adds the mouse route, posting the new order through the same service.
(function () {
  const list = document.getElementById("sections");
  if (!list || list.dataset.sortable !== "true") return;
  let dragged = null;
  list.addEventListener("dragstart", (e) => {
    dragged = e.target.closest("li.section");
    if (dragged) { dragged.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; }
  });
  list.addEventListener("dragover", (e) => {
    e.preventDefault();
    const over = e.target.closest("li.section");
    if (!dragged || !over || over === dragged) return;
    const box = over.getBoundingClientRect();
    const after = e.clientY > box.top + box.height / 2;
    list.insertBefore(dragged, after ? over.nextSibling : over);
  });
  list.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    dragged = null;
    const order = Array.from(list.querySelectorAll("li.section")).map((li) => li.dataset.id);
    document.getElementById("reorder-order").value = order.join(",");
    document.getElementById("reorder-form").submit();
  });
})();
