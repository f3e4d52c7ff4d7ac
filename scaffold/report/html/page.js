// Filtering and sorting of the secrets table: each secret is one <tbody> whose data-* attributes
// hold its facets and sort keys. No server, no library: the page works opened from disk.
(function () {
  "use strict";
  var table = document.getElementById("secrets");
  var form = document.getElementById("filters");
  if (!table || !form) { return; }
  var bodies = Array.prototype.slice.call(table.tBodies);
  var status = document.getElementById("status");
  var nothing = document.getElementById("nothing");
  var idle = nothing ? nothing.textContent : "";
  var facets = ["severity", "confidence", "context", "repo", "head"];

  function field(name) { return form.elements.namedItem(name); }
  function chosen(name) { var el = field(name); return el ? el.value : ""; }
  function plural(n, noun) { return n + " " + noun + (n === 1 ? "" : "s"); }

  function apply() {
    var reveal = !!(field("held") && field("held").checked);
    var query = chosen("q").trim().toLowerCase();
    var shown = 0, waiting = 0;
    bodies.forEach(function (body) {
      var data = body.dataset;
      var matches = facets.every(function (name) {
        var want = chosen(name);
        return !want || data[name] === want;
      }) && (!query || data.text.indexOf(query) !== -1);
      var visible = matches && (reveal || data.held !== "1");
      if (matches && !visible) { waiting += 1; }
      if (visible) { shown += 1; }
      if (body.hidden === visible) { body.hidden = !visible; }  // untouched rows cost no layout
    });
    var text = "Showing " + shown + " of " + plural(bodies.length, "secret") + ".";
    var filtered = facets.some(chosen) || query;
    if (waiting && filtered) {
      text += " " + waiting + " held back " + (waiting === 1 ? "matches" : "match") +
        " these filters: tick \u201cshow them\u201d to see " + (waiting === 1 ? "it" : "them") + ".";
    }
    status.textContent = text;
    if (nothing) {
      nothing.hidden = shown > 0;
      nothing.textContent = filtered ? "No secret matches these filters." : idle;
    }
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("change", apply);  // selects and the held-back switch
  field("q").addEventListener("input", apply);  // the search box, as one types
  form.addEventListener("reset", function () { window.setTimeout(apply, 0); });

  // a count in the overview (a severity, a repository) sets that filter
  Array.prototype.forEach.call(document.querySelectorAll("button[data-filter]"), function (button) {
    button.addEventListener("click", function () {
      var select = field(button.dataset.filter);
      if (!select) { return; }
      select.value = button.dataset.value;
      apply();
      table.scrollIntoView({ block: "start" });
    });
  });

  function compare(x, y) {
    var nx = Number(x), ny = Number(y);
    if (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) { return nx - ny; }
    return x < y ? -1 : x > y ? 1 : 0;
  }

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th) {
    var button = th.querySelector("button[data-sort]");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var current = th.getAttribute("aria-sort");
      var first = button.dataset.first || "ascending";
      var next = current ? (current === "ascending" ? "descending" : "ascending") : first;
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", next);
      var key = "sort" + button.dataset.sort.charAt(0).toUpperCase() + button.dataset.sort.slice(1);
      var sign = next === "ascending" ? 1 : -1;
      var moved = document.createDocumentFragment();  // one re-layout, not one a row
      bodies.slice().sort(function (a, b) {
        // ties keep the default order: live first, most severe, most confident
        return sign * compare(a.dataset[key], b.dataset[key]) ||
          compare(a.dataset.order, b.dataset.order);
      }).forEach(function (body) { moved.appendChild(body); });
      table.appendChild(moved);
    });
  });

  apply();
}());
