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

    // The search page: results follow the typing (debounced) and the ticking of facets. The
    // page answers the same address with HTML; only its results part is swapped in.
    var search = document.getElementById("search-form");
    // On a phone the filters start folded, so that the results come first.
    var facetBox = document.getElementById("search-facets");
    if (facetBox && window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
      facetBox.open = false;
    }
    if (search && window.fetch && window.DOMParser && window.URLSearchParams) {
      var timer = null;
      var latest = 0;
      var refresh = function () {
        var url = "/search?" + new URLSearchParams(new FormData(search)).toString();
        var mine = ++latest;
        var results = document.getElementById("search-results");
        if (results) { results.setAttribute("aria-busy", "true"); }
        window.fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            if (mine !== latest) { return; }
            var doc = new DOMParser().parseFromString(html, "text/html");
            ["search-results"].forEach(function (id) {
              var fresh = doc.getElementById(id);
              var here = document.getElementById(id);
              if (fresh && here) { here.innerHTML = fresh.innerHTML; }
            });
            // The "save this search" form stands outside the search form: keep it in step.
            var saveFresh = doc.getElementById("save-search");
            var saveHere = document.getElementById("save-search");
            if (saveFresh && saveHere) {
              saveHere.innerHTML = saveFresh.innerHTML;
            } else if (saveFresh) {
              search.parentNode.insertBefore(document.importNode(saveFresh, true), search.nextSibling);
            } else if (saveHere) {
              saveHere.remove();
            }
            var facetsFresh = doc.querySelector(".facets");
            var facetsHere = search.querySelector(".facets");
            if (facetsFresh && facetsHere) {
              // Keep the keyboard where it was: the same box, found again by name and value.
              var active = document.activeElement;
              var inside = facetsHere.contains(active);
              var key = inside ? [active.name, active.value] : null;
              facetsHere.innerHTML = facetsFresh.innerHTML;
              if (key) {
                facetsHere.querySelectorAll("input, select").forEach(function (el) {
                  if (el.name === key[0] && (el.tagName === "SELECT" || el.value === key[1])) { el.focus(); }
                });
              }
            }
            window.history.replaceState(null, "", url);
          })
          .catch(function () { /* the form still submits the normal way */ })
          .then(function () {
            var here = document.getElementById("search-results");
            if (mine === latest && here) { here.setAttribute("aria-busy", "false"); }
          });
      };
      search.addEventListener("input", function (e) {
        if (e.target.id !== "search-q") { return; }
        window.clearTimeout(timer);
        timer = window.setTimeout(refresh, 250);
      });
      search.addEventListener("change", function (e) {
        if (e.target.type === "checkbox" || e.target.tagName === "SELECT") { refresh(); }
      });
    }

    // The header's unread count, kept live by server-sent events (the count is plain text
    // without this).
    var badge = document.querySelector(".unread-count");
    if (badge && window.EventSource) {
      var events = new EventSource("/notifications/stream");
      events.addEventListener("unread", function (e) {
        var n = parseInt(e.data, 10) || 0;
        badge.textContent = String(n);
        badge.setAttribute("data-unread", String(n));
        badge.hidden = n === 0;
      });
    }
  });
})();
