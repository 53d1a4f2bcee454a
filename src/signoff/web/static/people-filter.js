// People pickers: a filter box that hides the people whose label does not contain
// what was typed. Without scripts the box stays hidden and every person is listed.
"use strict";
document.querySelectorAll("fieldset.people-picker").forEach((picker) => {
  const filter = picker.querySelector("input.picker-filter");
  if (!filter) return;
  filter.hidden = false;
  filter.addEventListener("input", () => {
    const wanted = filter.value.trim().toLowerCase();
    picker.querySelectorAll("label.check").forEach((label) => {
      label.hidden = wanted !== "" && !label.textContent.toLowerCase().includes(wanted);
    });
  });
});
