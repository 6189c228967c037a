/*
  Afterward: reading a conversation. Progressive enhancement only: without this file each
  post's date is still its permalink, and Reply still opens the reply page.
  - "Copy link" beside each post copies its permalink (where the clipboard is available);
  - "Reply" opens the reply form under the post, fetched from the reply page itself, so its
    CSRF token and bot-gate fields are the page's own; sending it is an ordinary form post;
  - "Quote" does the same with the passage selected in the post (or the whole post) in the
    text box, as a Markdown quote.
  Its words come from the tree itself (data- attributes of .comment-tree, in the page's
  language, written by templates/_post_tree.html); where they are missing the buttons are not
  added, rather than shown in another language.
*/
(function () {
  "use strict";

  var tree = document.querySelector(".comment-tree");
  if (!tree || !window.fetch || !window.DOMParser) {
    return;
  }
  function word(key) {
    return tree.getAttribute("data-" + key) || "";
  }

  // One polite live region says what a button did ("Link copied"), for screen readers too.
  var status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  tree.parentNode.insertBefore(status, tree.nextSibling);
  function say(words) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = words; }, 50);
  }

  function button(label, hidden, className) {
    var made = document.createElement("button");
    made.type = "button";
    made.className = "link-button " + className;
    made.textContent = label;
    if (hidden) {
      var more = document.createElement("span");
      more.className = "visually-hidden";
      more.textContent = hidden;
      made.appendChild(more);
    }
    return made;
  }

  // The reply page's form, inserted under the post; ids get the post's anchor added, so
  // that they stay unique beside the comment box at the foot of the page.
  var opening = {};  // post id -> the form on its way (a double click fetches once)
  function openForm(post, replyLink) {
    var open = post.querySelector(".reply-in-place");
    if (open) {
      return Promise.resolve(open.querySelector("form"));
    }
    if (!opening[post.id]) {
      opening[post.id] = fetchForm(post, replyLink).then(function (form) {
        delete opening[post.id];
        return form;
      }, function (error) {
        delete opening[post.id];
        throw error;
      });
    }
    return opening[post.id];
  }

  function fetchForm(post, replyLink) {
    return fetch(replyLink.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok || response.redirected) {
          throw new Error("not a reply form");
        }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var found = page.querySelector("main form[action*='/reply']");
        if (!found || !found.querySelector("textarea")) {
          throw new Error("not a reply form");
        }
        var form = document.importNode(found, true);
        var suffix = "-" + post.id;
        form.querySelectorAll("[id]").forEach(function (node) { node.id += suffix; });
        form.querySelectorAll("label[for]").forEach(function (node) {
          node.htmlFor += suffix;
        });
        ["aria-describedby", "aria-labelledby"].forEach(function (name) {
          form.querySelectorAll("[" + name + "]").forEach(function (node) {
            node.setAttribute(name, node.getAttribute(name).split(/\s+/).map(function (id) {
              return id + suffix;
            }).join(" "));
          });
        });
        form.classList.add("reply-form");
        var cancel = document.createElement("button");
        cancel.type = "button";
        cancel.className = "secondary reply-cancel";
        cancel.textContent = word("cancel");
        var actions = form.querySelector(".actions") || form;
        actions.appendChild(cancel);
        var box = document.createElement("section");
        box.className = "reply-in-place";
        box.setAttribute("aria-label", word("write-reply"));
        box.appendChild(form);
        post.appendChild(box);
        cancel.addEventListener("click", function () {
          box.parentNode.removeChild(box);
          replyLink.focus();
        });
        return form;
      });
  }

  function reply(post, replyLink, quote) {
    return openForm(post, replyLink).then(function (form) {
      var text = form.querySelector("textarea");
      if (quote) {
        var quoted = quote.split(/\r?\n/).map(function (line) {
          return line ? "> " + line : ">";
        }).join("\n") + "\n\n";
        text.value = text.value ? text.value.replace(/\s*$/, "\n\n") + quoted : quoted;
      }
      text.focus();
      text.setSelectionRange(text.value.length, text.value.length);
    }).catch(function () {
      // Whatever went wrong, the reply page itself still works.
      window.location.href = replyLink.href;
    });
  }

  // The passage selected inside this post's text, if any; otherwise the post's whole text.
  function passage(post) {
    var body = post.querySelector(".post-body");
    if (!body) {
      return "";
    }
    var chosen = window.getSelection ? window.getSelection() : null;
    if (chosen && !chosen.isCollapsed && body.contains(chosen.anchorNode) &&
        body.contains(chosen.focusNode)) {
      return chosen.toString().trim();
    }
    return (body.innerText || body.textContent).trim();
  }

  var canCopy = !!(navigator.clipboard && window.isSecureContext);

  tree.querySelectorAll("li.post").forEach(function (post) {
    var article = post.querySelector("article");
    var actions = article && article.querySelector(".post-actions");
    var permalink = article && article.querySelector(".post-meta .permalink");
    if (!actions) {
      return;
    }
    var replyLink = actions.querySelector("a.reply-link");
    if (replyLink && word("quote")) {
      replyLink.addEventListener("click", function (event) {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) {
          return;  // a new tab or window: the reply page, as without scripts
        }
        event.preventDefault();
        reply(post, replyLink, "");
      });
      var quote = button(word("quote"), " " + word("quote-more"), "quote-button");
      // The selection is read as the button is pressed, before anything can clear it.
      var selected = "";
      quote.addEventListener("pointerdown", function () { selected = passage(post); });
      quote.addEventListener("click", function () {
        var words = selected || passage(post);
        selected = "";
        reply(post, replyLink, words);
      });
      replyLink.insertAdjacentElement("afterend", quote);
    }
    if (canCopy && permalink && word("copy")) {
      var copy = button(word("copy"), " " + word("copy-more"), "copy-link");
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(permalink.href).then(function () {
          say(word("copied-said"));
          copy.firstChild.textContent = word("copied");
          window.setTimeout(function () { copy.firstChild.textContent = word("copy"); }, 2000);
        }, function () {
          say(word("copy-failed"));
        });
      });
      // After Reply and Quote where they are, otherwise first.
      var after = actions.querySelector(".quote-button");
      if (after) {
        after.insertAdjacentElement("afterend", copy);
      } else {
        actions.insertBefore(copy, actions.firstChild);
      }
    }
  });
})();
