// Progressive enhancement of "Record a session": the depth range and the areas follow the
// chosen protocol. Without JavaScript the server still checks both.
(function () {
  var protocol = document.getElementById("protocol");
  var depth = document.getElementById("needle_depth_mm");
  var range = document.getElementById("depth-range");
  var area = document.getElementById("area");
  if (!protocol || !depth || !area) { return; }
  function follow() {
    var chosen = protocol.options[protocol.selectedIndex];
    depth.min = chosen.dataset.min;
    depth.max = chosen.dataset.max;
    if (range) { range.textContent = chosen.dataset.min + "–" + chosen.dataset.max; }
    var groups = area.querySelectorAll("optgroup");
    var firstVisible = null;
    groups.forEach(function (group) {
      var mine = group.dataset.protocol === chosen.value;
      group.disabled = !mine;
      group.hidden = !mine;
      if (mine && !firstVisible) { firstVisible = group.querySelector("option"); }
    });
    var current = area.options[area.selectedIndex];
    if ((!current || current.parentNode.disabled) && firstVisible) { firstVisible.selected = true; }
  }
  protocol.addEventListener("change", follow);
  follow();
})();
