// The skills picker's filter: the page works without it (each select
// groups its skills by family); with it, typing in the search box keeps
// in every skill select only the skills whose name holds the words typed,
// accents and case aside, and says how many are left.
(function () {
  var box = document.querySelector(".skill-search");
  var input = document.getElementById("skill-search");
  var hint = document.getElementById("skill-search-hint");
  if (!box || !input) return;
  box.hidden = false;
  var initial = hint.textContent;
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  input.addEventListener("input", function () {
    var words = fold(input.value).split(/\s+/).filter(Boolean);
    var shown = 0, counted = false;
    document.querySelectorAll('select[name="skill"]').forEach(function (sel) {
      sel.querySelectorAll("optgroup").forEach(function (g) {
        var any = false;
        g.querySelectorAll("option").forEach(function (o) {
          var text = fold(o.textContent + " " + g.label);
          // The chosen skill stays, so that filtering never changes an answer.
          var keep = o.selected || words.every(function (w) { return text.indexOf(w) >= 0; });
          o.hidden = !keep;
          if (keep) { any = true; if (!counted) shown++; }
        });
        g.hidden = !any;
      });
      counted = true;
    });
    hint.textContent = words.length ? hint.dataset.count.replace("%d", shown) : initial;
  });
})();
