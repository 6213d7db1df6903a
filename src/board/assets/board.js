// A little enhancement: the name search filters the centers on this page as you type. Without
// JavaScript the same search is a plain GET form.
(function () {
  var input = document.querySelector('.filters input[name="q"]');
  if (!input) return;
  var centers = Array.prototype.slice.call(document.querySelectorAll('.center'));
  var shown = document.querySelector('.shown');
  input.addEventListener('input', function () {
    var q = input.value.trim().toLowerCase();
    var n = 0;
    centers.forEach(function (li) {
      var hit = !q || (li.getAttribute('data-name') || '').indexOf(q) !== -1;
      li.hidden = !hit;
      if (hit) n++;
    });
    document.querySelectorAll('section.region').forEach(function (s) {
      s.hidden = !s.querySelector('.center:not([hidden])');
    });
    if (shown) shown.setAttribute('data-live', String(n));
  });
})();
