// Forms marked data-busy show step text while the server works (an import reads and checks
// a whole document) and cannot be sent twice. Without JavaScript the form still works.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches("form[data-busy]")) return;
  const status = form.querySelector("[data-busy-status]");
  if (status) status.textContent = form.dataset.busy;
  form.querySelectorAll("button[type=submit]").forEach((b) => {
    b.setAttribute("aria-disabled", "true");
    setTimeout(() => { b.disabled = true; }, 0);
  });
  form.setAttribute("aria-busy", "true");
});
