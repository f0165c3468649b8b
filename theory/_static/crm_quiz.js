// The theory site's self-check quizzes: the same check and feedback as the notebook's
// theory browser (crm_engine/ui/theory.py), offline, no library. Each question is a
// <form class="crm-quiz"> written by crm_engine.theory.quiz_markdown.
(function () {
  "use strict";
  function number(text) {
    // "62.5 %", "¥1,200", "１２" -> a number, or null (as theory.parse_number).
    var plain = String(text).replace(/[\uff10-\uff19]/g, function (d) {
      return String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48);
    }).replace(/[,，\s]/g, "").replace(/[−–]/g, "-").replace(/．/g, ".");
    var found = plain.match(/-?\d+(?:\.\d+)?/g);
    return found && found.length === 1 ? parseFloat(found[0]) : null;
  }
  function check(form) {
    var d = form.dataset, out = form.querySelector(".crm-quiz-feedback"), right = null;
    if (d.kind === "numeric") {
      var value = number(form.querySelector("input[type=text]").value);
      if (value !== null) {
        var answer = parseFloat(d.answer);
        right = Math.abs(value - answer) <= parseFloat(d.tolerance) + 1e-9 * Math.max(1, Math.abs(answer));
      }
    } else {
      var keys = Array.prototype.map.call(form.querySelectorAll("input:checked"), function (i) { return i.value; });
      if (keys.length) right = keys.sort().join(",") === d.answer;
    }
    out.textContent = "";
    if (right === null) {
      out.style.color = "#b26b00";
      out.textContent = d.kind === "numeric" ? d.notANumber : d.noChoice;
      return;
    }
    var verdict = document.createElement("div"), why = document.createElement("div");
    verdict.style.color = right ? "#1a7f37" : "#c62828";
    verdict.innerHTML = "<b></b> ";
    verdict.firstChild.textContent = (right ? "✔ " : "✘ ") + (right ? d.correct : d.wrong);
    verdict.appendChild(document.createTextNode(d.answerIs));
    why.textContent = d.explanation;
    out.style.color = "";
    out.appendChild(verdict);
    out.appendChild(why);
  }
  document.addEventListener("submit", function (event) {
    if (event.target.classList && event.target.classList.contains("crm-quiz")) {
      event.preventDefault();
      check(event.target);
    }
  });
})();
