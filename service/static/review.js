// The review workspace's one script. Without it every form still works (the server answers with
// a page); with it, approve and revoke go to the JSON API (/v1/reviews, /v1/reviews/revoke) with
// the session's CSRF token, and the page is updated in place: an approved text is marked, a text
// that changed under you is replaced by the new text (with its new SHA-256s), a refusal is shown
// with its reason. After every answer the parts of the page that show state (counts, statuses,
// the document view, the history: each marked data-live-part) are fetched again and replaced, so
// the page shows the state as it now is. Every update is announced to screen readers. A section's
// or a page's approval (data-confirm) asks first, saying how many texts and in which role.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.getAttribute("content") : "";
  var announcer = document.getElementById("announce");

  function say(text) {
    if (announcer) {
      announcer.textContent = "";
      window.setTimeout(function () { announcer.textContent = text; }, 50);
    }
  }

  function field(form, name) {
    var input = form.querySelector('[name="' + name + '"]');
    return input ? input.value : "";
  }

  function card(locale, page, id) {
    var key = CSS.escape(locale + "|" + page + "|" + id);
    return document.querySelector('article.item[data-key="' + key + '"], div.state[data-key="' + key + '"]');
  }

  // The parts of the page that show state, as the server shows them now.
  async function refresh() {
    var parts = document.querySelectorAll("[data-live-part]");
    if (!parts.length) { return; }
    var lost = false;
    try {
      var response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) { return; }
      var fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      parts.forEach(function (old) {
        var name = old.getAttribute("data-live-part");
        var found = Array.prototype.find.call(fresh.querySelectorAll("[data-live-part]"), function (el) {
          return el.getAttribute("data-live-part") === name;
        });
        if (!found) { return; }
        if (old.contains(document.activeElement)) { lost = true; }
        old.replaceWith(document.importNode(found, true));
      });
    } catch (err) {
      return;
    }
    return lost;
  }

  function focusOn(el) {
    if (!el) { return; }
    if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "-1"); }
    el.focus();
  }

  var dialog = null;
  function ask(question) {
    if (!window.HTMLDialogElement) { return Promise.resolve(window.confirm(question)); }
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.id = "confirm-dialog";
      dialog.setAttribute("aria-labelledby", "confirm-question");
      dialog.innerHTML = '<form method="dialog"><p id="confirm-question"></p>' +
        '<button type="submit" value="yes">Approve</button> ' +
        '<button type="submit" value="no" class="secondary">Cancel</button></form>';
      document.body.appendChild(dialog);
    }
    dialog.querySelector("#confirm-question").textContent = question;
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function () { resolve(dialog.returnValue === "yes"); }, { once: true });
      dialog.showModal();
      dialog.querySelector('button[value="yes"]').focus();
    });
  }

  function message(container, text, ok) {
    var box = container ? container.querySelector('[data-part="message"]') : null;
    if (box) {
      box.textContent = text;
      box.className = "message " + (ok ? "ok" : "error");
    }
  }

  function shownItems(form) {
    var items = [];
    form.querySelectorAll('input[name="item"]').forEach(function (input) {
      var parts = input.value.split(" ");
      items.push({ id: parts[0], source_sha256: parts[1], translation_sha256: parts[2] });
    });
    return items;
  }

  function replaceText(item, part, forms, html) {
    item.querySelectorAll('[data-part="' + part + '-html"]').forEach(function (el, i) {
      if (i < html.length) { el.innerHTML = html[i]; }  // rendered by the server, raw HTML escaped
    });
    item.querySelectorAll('[data-part="' + part + '-exact"]').forEach(function (el, i) {
      if (i < forms.length) { el.textContent = forms[i]; }
    });
  }

  function runs(list, lang, dir) {
    var span = document.createElement("span");
    span.lang = lang;
    span.dir = dir;
    list.forEach(function (run, i) {
      if (i) { span.appendChild(document.createTextNode(" ")); }
      var part = document.createElement(run.op === "-" ? "del" : run.op === "+" ? "ins" : "span");
      part.textContent = run.text;
      span.appendChild(part);
    });
    return span;
  }

  function line(label, content) {
    var p = document.createElement("p");
    p.appendChild(document.createTextNode(label));
    p.appendChild(content);
    return p;
  }

  function showDiff(item, diff) {
    var box = item.querySelector('[data-part="diff"]');
    if (!box) { return; }
    box.textContent = "";
    if (!diff) { return; }
    var head = document.createElement("p");
    head.appendChild(document.createTextNode("Approved before by " + diff.reviewer + " (" + diff.role + ", " + diff.at + "). What changed since ("));
    head.appendChild(runs([{ op: "-", text: "removed" }], "en", "ltr"));
    head.appendChild(document.createTextNode(", "));
    head.appendChild(runs([{ op: "+", text: "added" }], "en", "ltr"));
    head.appendChild(document.createTextNode("):"));
    box.appendChild(head);
    if (diff.english.length) { box.appendChild(line("English: ", runs(diff.english, "en", "ltr"))); }
    if (diff.translation.length) {
      box.appendChild(line(item.getAttribute("data-language") + ": ",
        runs(diff.translation, item.getAttribute("data-lang"), item.getAttribute("data-dir"))));
    }
  }

  function changed(locale, page, changes) {
    changes.forEach(function (c) {
      var item = card(locale, page, c.id);
      if (!item) { return; }
      item.classList.add("changed");
      if (c.english.length) { replaceText(item, "english", c.english, c.english_html); }
      if (c.translation.length) { replaceText(item, "translation", c.translation, c.translation_html); }
      showDiff(item, c.diff);  // the diff of the text now, not of the text you were shown
      var key = locale + "|" + page + "|" + c.id;
      document.querySelectorAll('input[name="item"][data-item="' + CSS.escape(key) + '"]').forEach(function (input) {
        if (c.source_sha256 && c.translation_sha256) {
          input.value = c.id + " " + c.source_sha256 + " " + c.translation_sha256;
        } else {
          input.remove();  // nothing left to approve: the text is gone or not ready
        }
      });
      message(item, "Not approved: " + c.why + ". The text shown is the text now; read it before you approve.", false);
    });
  }

  function approved(locale, page, role, events) {
    events.forEach(function (e) {
      var item = card(locale, page, e.id);
      if (!item) { return; }
      item.classList.remove("changed");
      item.classList.add("done");
      message(item, "Approved as " + role + " reviewer by " + e.reviewer + " at " + e.at + " (event " + e.seq + ").", true);
      item.querySelectorAll("form.sign").forEach(function (f) { f.remove(); });  // signed: nothing left to press
      document.querySelectorAll('input[name="item"][data-item="' + CSS.escape(locale + "|" + page + "|" + e.id) + '"]').forEach(function (input) {
        if (!input.closest("article")) { input.remove(); }  // a section or page form: signed already
      });
    });
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    });
    var data = {};
    try { data = await response.json(); } catch (err) { data = {}; }
    return { status: response.status, data: data };
  }

  async function approve(form, role) {
    var locale = field(form, "locale"), page = field(form, "page");
    var items = shownItems(form);
    if (!items.length) { message(form.closest("article"), "Nothing left to approve here.", false); return; }
    var body = { locale: locale, page: page, role: role };
    var kept = form.querySelector('input[name="confirm_meaning"]');
    if (kept && kept.checked) { body.confirm_meaning = true; }
    if (items.length === 1) {
      body.id = items[0].id;
      body.source_sha256 = items[0].source_sha256;
      body.translation_sha256 = items[0].translation_sha256;
    } else {
      body.items = items;
    }
    var answer = await post(form.getAttribute("data-api"), body);
    var data = answer.data;
    if (answer.status !== 401) {
      var lost = await refresh();  // the counts, statuses and buttons as they are now
      if (lost) { focusOn(card(locale, page, items[0].id)); }
    }
    if (answer.status === 201) {
      approved(locale, page, role, data.events || []);
      (data.refused || []).forEach(function (r) { message(card(locale, page, r.id), "Not approved: " + r.reason, false); });
      say("Approved " + (data.events || []).length + " text(s) as " + role + " reviewer.");
    } else if (answer.status === 409 && data.changes && data.changes.length) {
      changed(locale, page, data.changes);
      say("Not approved: the text changed since the page was loaded. The new text is shown.");
    } else if (answer.status === 401) {
      window.location.assign("/review/signin?next=" + encodeURIComponent(window.location.pathname + window.location.search));
    } else {
      var reasons = (data.refused || []);
      if (reasons.length) {
        reasons.forEach(function (r) { message(card(locale, page, r.id), "Not approved: " + r.reason, false); });
      } else {
        items.forEach(function (i) { message(card(locale, page, i.id), "Not approved: " + (data.detail || answer.status), false); });
      }
      say("Not approved: " + (data.detail || answer.status));
    }
  }

  async function revoke(form) {
    var body = {
      locale: field(form, "locale"), page: field(form, "page"), id: field(form, "id"),
      role: field(form, "role"), reason: field(form, "reason")
    };
    var answer = await post(form.getAttribute("data-api"), body);
    if (answer.status !== 401) {
      var lost = await refresh();
      if (lost) { focusOn(card(body.locale, body.page, body.id) || document.querySelector("main h1")); }
    }
    if (answer.status === 200) {
      var done = (answer.data.events || []).length;
      message(card(body.locale, body.page, body.id), "Revoked the " + body.role + " approval of this text.", true);
      say("Revoked " + done + " " + body.role + " approval(s). Reason recorded: " + body.reason);
    } else if (answer.status === 401) {
      window.location.assign("/review/signin?next=" + encodeURIComponent(window.location.pathname + window.location.search));
    } else {
      message(card(body.locale, body.page, body.id) || form, "Not revoked: " + (answer.data.detail || answer.status), false);
      say("Not revoked: " + (answer.data.detail || answer.status));
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-api") || !window.fetch) { return; }
    event.preventDefault();
    var role = event.submitter ? event.submitter.value : "";
    var question = form.getAttribute("data-confirm");
    if (question && !form.classList.contains("revoke")) {
      ask(question).then(function (yes) {
        if (yes) { send(form, role); } else { say("Nothing was approved."); }
      });
      return;
    }
    send(form, role);
  });

  function send(form, role) {
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var done = form.classList.contains("revoke")
      ? revoke(form)
      : approve(form, role);
    done.catch(function () {
      say("The server could not be reached; nothing was recorded.");
    }).finally(function () {
      if (!form.closest("article.done")) { buttons.forEach(function (b) { b.disabled = false; }); }
    });
  }
})();
