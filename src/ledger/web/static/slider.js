// Makes the date slider live: the date shows as the slider moves, and letting it go
// (or each arrow key) opens that date's page, with the focus back on the slider.
// Without this script the slider is an ordinary form control with a "Show this date"
// button.
"use strict";
for (const slider of document.querySelectorAll("input[data-date-slider]")) {
  const output = document.getElementById(slider.dataset.output);
  const day = () => new Date(Number(slider.value) * 86400000).toISOString().slice(0, 10);
  slider.addEventListener("input", () => {
    output.value = day();
    slider.setAttribute("aria-valuetext", day());
  });
  slider.addEventListener("change", () => slider.form.requestSubmit());
  if (location.hash === "#" + slider.id) slider.focus();
}
