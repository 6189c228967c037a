/* The write forms' helpers, for a textarea marked data-compose. Progressive enhancement:
   without this script the form is whole (the "Formatting help" beside it says how to
   format by hand), so the toolbar and the word count exist only once the script runs.

   - A formatting toolbar (bold, italic, quote, list, link) that wraps the selection, or the
     lines it touches, in the Markdown the site renders; the browser's own undo still works.
   - A live word count under the text.
   Its words come from the page, in the page's language (base.html's #script-words, made by
   forum/templating.py): without them there is no toolbar and no count, never English ones. */
(function () {
  "use strict";
  var areas = document.querySelectorAll("textarea[data-compose]");
  var said = document.getElementById("script-words");
  if (!areas.length || !said) { return; }

  function word(key) { return said.getAttribute("data-" + key) || ""; }
  // "1 word", "5 words": the page gives each plural form of its language with "%(count)s" in it.
  function counted(key, n) {
    var category;  // the number's plural category in the page's language: "one", "other"...
    try { category = new Intl.PluralRules(document.documentElement.lang).select(n); } catch (e) { category = n === 1 ? "one" : "other"; }
    var text = said.getAttribute("data-" + key + "-" + category) || word(key + "-other");
    return text.replace("%(count)s", n.toLocaleString());
  }

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
      var sample = word("link-sample");
      replace(area, start, end, "[" + sample + "](" + chosen + ")", start + 1, start + 1 + sample.length);
    } else {
      var words = chosen || word("link-sample");
      var text = "[" + words + "](https://)";
      var at = start + words.length + 3;  // inside the brackets, after "https://"
      replace(area, start, end, text, at + 8, at + 8);
    }
  }

  var tools = [
    [word("bold"), function (a) { wrap(a, "**", "**", word("bold-sample")); }],
    [word("italic"), function (a) { wrap(a, "*", "*", word("italic-sample")); }],
    [word("quote"), function (a) { prefixLines(a, "> "); }],
    [word("list"), function (a) { prefixLines(a, "- "); }],
    [word("link"), link]
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
    bar.setAttribute("aria-label", word("formatting"));
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
      count.textContent = counted("word-count", n);
    }
    area.addEventListener("input", update);
    update();
  });
}());
