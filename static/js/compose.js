/* The write forms' helpers, for a textarea marked data-compose. Progressive enhancement:
   without this script the form is whole (the "Formatting help" beside it says how to
   format by hand), so the toolbar and the word count exist only once the script runs.

   - A formatting toolbar (bold, italic, quote, list, link) that wraps the selection, or the
     lines it touches, in the Markdown the site renders; the browser's own undo still works.
   - A live word count under the text. */
(function () {
  "use strict";
  var areas = document.querySelectorAll("textarea[data-compose]");
  if (!areas.length) { return; }

  function replace(area, start, end, text, selectFrom, selectTo) {
    area.focus();
    area.setSelectionRange(start, end);
    // insertText keeps the change in the browser's undo history; setting value does not.
    var done = false;
    try { done = document.execCommand && document.execCommand("insertText", false, text); } catch (e) { done = false; }
    if (!done) {
      area.value = area.value.slice(0, start) + text + area.value.slice(end);
      area.dispatchEvent(new Event("input", { bubbles: true }));
    }
    area.setSelectionRange(selectFrom, selectTo);
  }

  function wrap(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end);
    // A selection with spaces around it keeps them outside the marks: "**word** ", not "**word **".
    var lead = chosen.match(/^\s*/)[0], trail = chosen.slice(lead.length).match(/\s*$/)[0];
    var inner = chosen.slice(lead.length, chosen.length - trail.length) || placeholder;
    var text = lead + before + inner + after + trail;
    var from = start + lead.length + before.length;
    replace(area, start, end, text, from, from + inner.length);
  }

  function prefixLines(area, prefix) {
    var value = area.value;
    var start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = area.selectionEnd;
    if (end > start && value.charAt(end - 1) === "\n") { end -= 1; }
    var next = value.indexOf("\n", end);
    end = next === -1 ? value.length : next;
    var lines = value.slice(start, end).split("\n").map(function (line, i) {
      var mark = typeof prefix === "function" ? prefix(i) : prefix;
      return line.indexOf(mark) === 0 ? line : mark + line;
    });
    var text = lines.join("\n");
    replace(area, start, end, text, start, start + text.length);
  }

  function link(area) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end).trim();
    if (/^https?:\/\/\S+$/.test(chosen)) {
      replace(area, start, end, "[words](" + chosen + ")", start + 1, start + 6);
    } else {
      var words = chosen || "words";
      var text = "[" + words + "](https://)";
      var at = start + words.length + 3;  // inside the brackets, after "https://"
      replace(area, start, end, text, at + 8, at + 8);
    }
  }

  var tools = [
    ["Bold", function (a) { wrap(a, "**", "**", "strong words"); }],
    ["Italic", function (a) { wrap(a, "*", "*", "emphasised words"); }],
    ["Quote", function (a) { prefixLines(a, "> "); }],
    ["List", function (a) { prefixLines(a, "- "); }],
    ["Link", link]
  ];

  function words(text) {
    var found = text.match(/\S+/g);
    return found ? found.length : 0;
  }

  Array.prototype.forEach.call(areas, function (area, n) {
    var id = area.id || ("compose-" + n);
    area.id = id;

    var bar = document.createElement("div");
    bar.className = "compose-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting");
    bar.setAttribute("aria-controls", id);
    tools.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = tool[0];
      button.setAttribute("aria-controls", id);
      button.addEventListener("click", function () { tool[1](area); });
      bar.appendChild(button);
    });
    area.parentNode.insertBefore(bar, area);

    var count = document.createElement("p");
    count.className = "word-count muted small";
    count.id = id + "-words";
    area.parentNode.insertBefore(count, area.nextSibling);
    function update() {
      var n = words(area.value);
      count.textContent = n.toLocaleString() + (n === 1 ? " word" : " words");
    }
    area.addEventListener("input", update);
    update();
  });
}());
