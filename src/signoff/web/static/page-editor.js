// The page editor's live preview: a pause in typing, or a change of format, asks
// the server for the sanitised HTML of the body. Without scripts the form's
// Preview button does the same with a round trip.
"use strict";
(() => {
  const form = document.querySelector("form.page-editor");
  const section = document.getElementById("preview");
  const shown = document.getElementById("preview-body");
  if (!form || !section || !shown) return;
  const body = form.elements.namedItem("body");
  let timer = 0;
  let asked = 0;
  const refresh = async () => {
    const mine = ++asked;
    const chosen = form.querySelector('input[name="format"]:checked');
    const data = new URLSearchParams({
      csrf_token: form.elements.namedItem("csrf_token").value,
      body: body.value,
      format: chosen ? chosen.value : "storage",
    });
    try {
      const answer = await fetch(form.dataset.previewUrl, { method: "POST", body: data });
      if (mine !== asked) return; // a newer preview is on its way
      if (answer.ok) {
        shown.innerHTML = await answer.text(); // sanitised by the server
      } else {
        shown.textContent = `No preview: the server answered ${answer.status}.`;
      }
      section.hidden = false;
    } catch {
      // Offline: the Preview button still works once the server is back.
    }
  };
  const soon = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  };
  body.addEventListener("input", soon);
  form.querySelectorAll('input[name="format"]').forEach((radio) => {
    radio.addEventListener("change", refresh);
  });
})();
