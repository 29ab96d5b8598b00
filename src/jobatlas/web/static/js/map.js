/* Plot postings around the person as an SVG (no map tiles, no third-party code).
 * Progressive enhancement: the page is complete without it. Reads data-* attributes only. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var KM_PER_DEG = 111.32;

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function points(centerLat, centerLon) {
    var items = document.querySelectorAll("#posting-list .posting[data-lat]");
    var cos = Math.cos(centerLat * Math.PI / 180);
    return Array.prototype.map.call(items, function (item) {
      var lat = parseFloat(item.getAttribute("data-lat"));
      var lon = parseFloat(item.getAttribute("data-lon"));
      return {
        x: (lon - centerLon) * KM_PER_DEG * cos,
        y: (lat - centerLat) * KM_PER_DEG,
        title: item.getAttribute("data-title") || "",
        link: item.querySelector("a")
      };
    }).filter(function (p) { return isFinite(p.x) && isFinite(p.y); });
  }

  function draw(box) {
    var lat = parseFloat(box.getAttribute("data-lat"));
    var lon = parseFloat(box.getAttribute("data-lon"));
    if (!isFinite(lat) || !isFinite(lon)) { return; }
    var pts = points(lat, lon);
    if (!pts.length) { return; }
    var reach = Math.max(5, Math.max.apply(null, pts.map(function (p) {
      return Math.max(Math.abs(p.x), Math.abs(p.y));
    })) * 1.15);
    var size = 320, half = size / 2, scale = (half - 12) / reach;
    // The list below carries the same information for screen readers; the box is aria-hidden.
    var svg = el("svg", { viewBox: "0 0 " + size + " " + size, focusable: "false" });
    [0.5, 1].forEach(function (f) {
      svg.appendChild(el("circle", { cx: half, cy: half, r: (half - 12) * f, fill: "none",
        stroke: "#cbd2dc", "stroke-dasharray": "4 4" }));
    });
    pts.forEach(function (p) {
      var dot = el("circle", { cx: half + p.x * scale, cy: half - p.y * scale, r: 7,
        fill: "#b45309", stroke: "#fff", "stroke-width": 2 });
      var tip = el("title", {}); tip.textContent = p.title; dot.appendChild(tip);
      if (p.link) {
        dot.style.cursor = "pointer";
        dot.addEventListener("click", function () { p.link.focus(); p.link.scrollIntoView({ block: "center" }); });
      }
      svg.appendChild(dot);
    });
    svg.appendChild(el("circle", { cx: half, cy: half, r: 8, fill: "#123c69", stroke: "#fff", "stroke-width": 3 }));
    var caption = document.createElement("p");
    caption.className = "caption";
    var miles = Math.round(reach / 1.609344);
    caption.textContent = "You are the blue dot; orange dots are postings. The outer ring is about "
      + miles + " miles away. (A sketch, not a street map.)";
    box.appendChild(svg);
    box.appendChild(caption);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("map");
    if (box) { draw(box); }
  });
})();
