/*
  Afterward: small progressive enhancement only. Every page works without this file;
  nothing here may be needed to read, write or leave the site.
*/
(function () {
  "use strict";

  // Lets the stylesheet tell "scripts run" from "scripts off", should it ever need to.
  document.documentElement.classList.add("js");

  // Quick exit: "Leave this site", or Shift pressed three times within a second, goes to a
  // neutral page and puts it in place of this one in the history, so Back does not return
  // here. Only Shift presses in a row count: typing capitals in a reply never leaves.
  var exit = document.getElementById("quick-exit");
  var shifts = [];
  function leave() {
    // Blank the page at once, in case the neutral page is slow to arrive.
    document.documentElement.classList.add("leaving");
    window.location.replace(exit.href);
  }
  if (exit) {
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      leave();
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Shift") {
        shifts = [];
        return;
      }
      if (event.repeat) {
        return;
      }
      var now = Date.now();
      shifts = shifts.filter(function (time) { return now - time < 1000; });
      shifts.push(now);
      if (shifts.length >= 3) {
        shifts = [];
        leave();
      }
    }, true);
  }

  // The header's menus ("Menu", "Account") are <details> and open and close without this
  // script; with it they also close as menus do: on Escape, and on a click anywhere else.
  var menus = document.querySelectorAll(".site-header details");
  document.addEventListener("click", function (event) {
    for (var i = 0; i < menus.length; i += 1) {
      if (menus[i].open && !menus[i].contains(event.target)) {
        menus[i].open = false;
      }
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    for (var i = menus.length - 1; i >= 0; i -= 1) {
      if (menus[i].open && menus[i].contains(document.activeElement)) {
        menus[i].open = false;
        menus[i].querySelector("summary").focus();
        return;
      }
    }
  });

  // A story behind its content warnings prints whole even if the reader never opened it;
  // the warnings stay closed on screen afterwards as they were.
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var closed = document.querySelectorAll("details.warnings:not([open])");
    for (var i = 0; i < closed.length; i += 1) {
      closed[i].open = true;
      opened.push(closed[i]);
    }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) {
      opened.pop().open = false;
    }
  });
}());
