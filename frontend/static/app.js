// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // Put the cursor in the first field that has an error, so keyboard users land on it.
    var bad = document.querySelector("[aria-invalid='true']");
    if (bad && typeof bad.focus === "function") { bad.focus(); }

    // The scenario form: show the running total of the price weight and criterion weights.
    var form = document.getElementById("scenario-form");
    if (form) {
      var line = form.querySelector(".weight-total");
      var out = document.getElementById("weight-total");
      var update = function () {
        var sum = 0;
        form.querySelectorAll(".weight-input").forEach(function (el) {
          var n = parseInt(el.value, 10);
          if (!isNaN(n)) { sum += n; }
        });
        out.textContent = String(sum);
        line.hidden = false;
        line.classList.toggle("ok", sum === 100);
        line.classList.toggle("off", sum !== 100);
      };
      form.addEventListener("input", function (e) {
        if (e.target.classList && e.target.classList.contains("weight-input")) { update(); }
      });
      update();
    }

    // The score sheet: the weighted technical score as the evaluator types.
    var sheet = document.getElementById("score-sheet");
    if (sheet) {
      var sheetLine = sheet.querySelector(".weight-total");
      var sheetOut = document.getElementById("sheet-total");
      var recompute = function () {
        var total = 0;
        sheet.querySelectorAll(".score-input").forEach(function (el) {
          var s = parseInt(el.value, 10);
          var w = parseInt(el.getAttribute("data-weight"), 10);
          if (!isNaN(s) && !isNaN(w)) { total += s * w / 100; }
        });
        sheetOut.textContent = total.toFixed(2);
        sheetLine.hidden = false;
      };
      sheet.addEventListener("input", recompute);
      recompute();
    }
  });
})();
