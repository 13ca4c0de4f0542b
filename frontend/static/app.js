// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";
  // Put the cursor in the first field that has an error, so keyboard users land on it.
  document.addEventListener("DOMContentLoaded", function () {
    var bad = document.querySelector("[aria-invalid='true']");
    if (bad && typeof bad.focus === "function") { bad.focus(); }
  });
})();
