// The barista tablet: one tap gives a comp through the JSON API; the meter follows the shift.
//
// Every rule (allowance, undo window, who may approve) is the server's: this page sends,
// shows what the server answered, and keeps taps it could not send. A tap is written to
// localStorage with its Idempotency-Key before it is sent, and leaves only when the server
// answered for it; sending the same key again can never give the comp twice. A tap is
// marked sent before its first request goes: from then on it may have reached the server,
// so only taps never sent can be cancelled.
(function () {
  "use strict";

  var carried = document.getElementById("tablet-data").dataset;
  var data = JSON.parse(carried.page);
  var strings = JSON.parse(carried.strings);
  var csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  var QUEUE_KEY = "oth.pending.v1";
  var POLL_MS = 3000;
  var items = {};
  data.items.forEach(function (item) { items[item.id] = item; });
  var breakdowns = {};
  data.breakdowns.forEach(function (b) { breakdowns[b.id] = b; });
  var inFlight = {};
  var retired = {};
  var lastTally = null;
  var online = true;

  function $(id) { return document.getElementById(id); }

  // Only changed text is written, so screen readers announce changes, not every poll.
  function setText(id, text) {
    var element = $(id);
    if (element.textContent !== text) element.textContent = text;
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? values[name] : "";
    });
  }

  var money = new Intl.NumberFormat(data.locale, { style: "currency", currency: data.currency });
  function shown(value) {
    return money.format(value.amount / Math.pow(10, data.exponent));
  }

  // Idempotency keys from crypto.getRandomValues: randomUUID needs HTTPS, a shop LAN may not have it.
  function newKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "tablet-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  // -- the queue of taps not yet answered -----------------------------------------------
  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(QUEUE_KEY)) || []; } catch (e) { return []; }
  }
  function saveQueue(queue) { localStorage.setItem(QUEUE_KEY, JSON.stringify(queue)); }
  function enqueue(entry) { var q = loadQueue(); q.push(entry); saveQueue(q); }
  function dequeue(key) {
    saveQueue(loadQueue().filter(function (e) { return e.key !== key; }));
  }
  function markSent(key) {
    saveQueue(loadQueue().map(function (e) {
      if (e.key === key) e.sent = true;
      return e;
    }));
  }
  function mine(queue) { return queue.filter(function (e) { return e.staff === data.staff_id; }); }

  // -- talking to the service ------------------------------------------------------------
  function call(method, url, body, key) {
    var headers = { "X-CSRFToken": csrfToken, "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      setOnline(true);
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, body: json };
      });
    }, function (error) {
      setOnline(false);
      throw error;
    });
  }

  function signedOut() {
    toast(strings.signed_out);
    window.setTimeout(function () {
      window.location.assign("/signin?next=" + encodeURIComponent("/tablet"));
    }, 1500);
  }

  // -- status strip ------------------------------------------------------------------------
  function setOnline(state) {
    online = state;
    var pill = $("connection");
    pill.dataset.state = state ? "online" : "offline";
    setText("connection", state ? strings.connected : strings.offline);
  }
  function showWaiting() {
    var waiting = mine(loadQueue());
    var pill = $("waiting");
    pill.hidden = waiting.length === 0;
    setText("waiting", say(strings.waiting, { count: waiting.length }));
    showPending(waiting);
    listWaiting(waiting);
  }

  // The meter counts waiting taps against what is left: a striped share of the bar and a
  // line saying what will be left once they are sent.
  function showPending(waiting) {
    var line = $("meter-pending");
    var pendingBar = $("meter-pending-bar");
    var sum = waiting.reduce(function (total, entry) {
      var item = items[entry.body.item_id];
      return total + (item ? item.value.amount : 0);
    }, 0);
    line.hidden = waiting.length === 0 || !lastTally;
    if (!lastTally) return;
    var allowance = lastTally.allowance.amount;
    var remaining = Math.max(0, lastTally.remaining.amount);
    var left = Math.max(0, remaining - sum);
    function share(minor) { return (allowance ? Math.min(1, minor / allowance) : 0) * 100 + "%"; }
    $("meter-bar").style.width = share(left);
    pendingBar.style.width = share(remaining - left);
    if (!line.hidden) {
      setText("meter-pending", say(strings.pending, {
        value: shown({ amount: sum }), count: waiting.length, left: shown({ amount: left }),
      }));
    }
  }

  function listWaiting(waiting) {
    var list = $("queue-list");
    list.textContent = "";
    $("queue").hidden = waiting.length === 0;
    waiting.forEach(function (entry) {
      var row = $("queued-tap").content.firstElementChild.cloneNode(true);
      var item = items[entry.body.item_id];
      var what = item ? item.name + " · " + shown(item.value) : "";
      if (entry.body.customer_name) what += " · " + entry.body.customer_name;
      row.querySelector(".queued-what").textContent = what;
      row.querySelector(".cancel-what").textContent = ": " + what;
      row.querySelector(".queued-sending").hidden = !entry.sent;
      var cancel = row.querySelector(".cancel");
      cancel.hidden = Boolean(entry.sent);
      cancel.addEventListener("click", function () { cancelTap(entry.key); });
      list.appendChild(row);
    });
  }

  function cancelTap(key) {
    var entry = loadQueue().filter(function (e) { return e.key === key; })[0];
    // Sent meanwhile: it may be recorded, so it stays and gets its Undo when answered.
    if (entry && !entry.sent) {
      dequeue(key);
      toast(say(strings.cancelled, { what: (items[entry.body.item_id] || {}).name }));
    }
    showWaiting();
  }
  function showPrinter(status) {
    var pill = $("printer");
    if (!status || status.kind === "none") { pill.hidden = true; return; }
    pill.hidden = false;
    pill.dataset.state = status.state;
    var state = strings.printer_states[status.state] || status.state;
    setText("printer", status.waiting
      ? say(strings.printer_waiting, { state: state, count: status.waiting })
      : say(strings.printer, { state: state }));
  }

  // -- the meter ---------------------------------------------------------------------------
  // The shift the product names itself (Unscheduled) reads in the store's language.
  function shiftName(name) {
    return strings.shift_names[name] || name;
  }

  function showTally(tally) {
    lastTally = tally;
    setText("shift-name", shiftName(tally.name));
    setText("meter-value", shown(tally.remaining));
    setText("meter-of", say(strings.left_of, { allowance: shown(tally.allowance) }));
    var share = tally.allowance.amount ? tally.remaining.amount / tally.allowance.amount : 0;
    $("meter-bar").style.width = Math.max(0, Math.min(1, share)) * 100 + "%";
    $("meter").dataset.low = share <= 0.2 ? "true" : "false";
    setText("meter-count", tally.remaining_comps === null
      ? say(strings.comps_given, { given: tally.comps_count })
      : say(strings.comps_left, { left: tally.remaining_comps, max: tally.max_comps }));
    var own = $("meter-own");
    own.hidden = tally.own_remaining_comps === null || tally.own_remaining_comps === undefined;
    if (!own.hidden) {
      setText("meter-own", say(strings.own_left,
        { left: tally.own_remaining_comps, max: tally.max_comps_per_staff }));
    }
    showBlocks();
  }

  // -- which limit blocks a tile: the server's rule (services/limits.py), read off the tally --
  function blockOf(item) {
    if (retired[item.id]) return "item_retired";
    var tally = lastTally;
    if (!tally) return null;
    if (tally.remaining_comps === 0) return "max_comps";
    if (tally.own_remaining_comps === 0) return "max_comps_per_staff";
    if ((tally.items_remaining || {})[item.id] === 0) return "per_item";
    if (item.value.amount > tally.remaining.amount) return "allowance";
    return null;
  }

  // The words for a limit, from the refusal's fields (or the tally's, before a tap).
  function facts(item, problem) {
    var tally = lastTally || {};
    var source = problem || tally;
    var remaining = source.remaining || tally.remaining;
    return {
      what: item ? item.name : "",
      value: item ? shown(item.value) : "",
      left: remaining ? shown(remaining) : "",
      shift: shiftName(tally.name || ""),
      max: { max_comps: source.max_comps, max_comps_per_staff: source.max_comps_per_staff,
             per_item: item ? item.per_shift_limit : "" },
    };
  }

  function tileText(limit, item) {
    var words = facts(item);
    return say(strings.tile[limit], { left: words.left, max: words.max[limit] });
  }

  function whyText(limit, item, problem) {
    var words = facts(item, problem);
    return say(strings.why[limit], Object.assign({}, words, { max: words.max[limit] }));
  }

  // What is left of each limit, one line for the dialog: money, the shift's count, your own.
  function leftText(problem) {
    var tally = lastTally;
    if (!tally) return "";
    var source = problem || tally;
    var parts = [say(strings.left_money,
      { left: shown(source.remaining || tally.remaining), allowance: shown(tally.allowance) })];
    if (source.remaining_comps !== null && source.remaining_comps !== undefined) {
      parts.push(say(strings.comps_left, { left: source.remaining_comps, max: tally.max_comps }));
    }
    if (source.own_remaining_comps !== null && source.own_remaining_comps !== undefined) {
      parts.push(say(strings.own_left,
        { left: source.own_remaining_comps, max: tally.max_comps_per_staff }));
    }
    return parts.join(" · ");
  }

  // What the server's numbers say is out of reach; a tap still asks the server.
  function showBlocks() {
    document.querySelectorAll("[data-give]").forEach(function (button) {
      var item = items[button.dataset.give];
      var limit = blockOf(item);
      button.dataset.over = limit ? "true" : "false";
      if (limit) button.dataset.limit = limit; else delete button.dataset.limit;
      setText("state-" + item.id, limit ? tileText(limit, item) : "");
    });
    showPending(mine(loadQueue()));
  }

  function refresh() {
    return call("GET", "/api/v1/shifts/current").then(function (answer) {
      if (answer.status === 401) { signedOut(); return; }
      if (answer.status === 200) showTally(answer.body);
    }, function () {});
  }

  function refreshPrinter() {
    call("GET", "/api/v1/printer").then(function (answer) {
      if (answer.status === 200) showPrinter(answer.body);
    }, function () {});
  }

  // -- toasts: news, and one per comp given with its own Undo -------------------------------
  var messageTimer = null;
  function message(text) {
    var box = $("toast-message");
    $("toast-text").textContent = text;
    box.hidden = false;
    window.clearTimeout(messageTimer);
    messageTimer = window.setTimeout(function () { box.hidden = true; showToasts(); }, 6000);
    showToasts();
  }
  function showToasts() {
    var region = $("toast");
    region.hidden = !region.querySelector(".toast:not([hidden])");
  }

  function toast(text, comp) {
    if (!comp) { message(text); return; }
    var card = $("comp-toast").content.firstElementChild.cloneNode(true);
    card.dataset.comp = comp.id;
    card.dataset.until = String(Date.now() + data.undo_seconds * 1000);
    card.querySelector(".toast-text").textContent = text;
    card.querySelector(".undo-what").textContent = ": " + (items[comp.item_id] || {}).name;
    card.querySelector(".undo").addEventListener("click", function (event) {
      undo(comp, card, event.currentTarget);
    });
    $("toast").appendChild(card);
    countDown();
  }

  // Each comp's toast stays for its undo window, counting down the seconds left.
  function countDown() {
    document.querySelectorAll("#toast [data-comp]").forEach(function (card) {
      var left = Math.ceil((Number(card.dataset.until) - Date.now()) / 1000);
      if (left <= 0) card.remove();
      else card.querySelector(".undo-seconds").textContent = "(" + left + ")";
    });
    showToasts();
  }
  window.setInterval(countDown, 1000);

  function undo(comp, card, button) {
    var what = (items[comp.item_id] || {}).name;
    button.disabled = true;
    call("POST", "/api/v1/comps/" + comp.id + "/void", { reason: strings.void_reason })
      .then(function (answer) {
        if (answer.status === 200) {
          card.remove();
          message(say(strings.undone, { what: what }));
        } else {
          message(say(strings.undo_failed, { why: answer.body.detail || strings.error }));
        }
        refresh();
      }, function () { message(say(strings.undo_failed, { why: strings.offline })); })
      .then(function () { button.disabled = false; });
  }

  // -- giving --------------------------------------------------------------------------------
  function describe(body) {
    var what = items[body.item_id] ? items[body.item_id].name : "";
    return body.customer_name ? say(strings.given_for, { what: what, name: body.customer_name })
      : say(strings.given, { what: what });
  }

  function send(entry) {
    if (inFlight[entry.key]) return Promise.resolve();
    inFlight[entry.key] = true;
    markSent(entry.key);
    showWaiting();
    return call("POST", "/api/v1/comps", entry.body, entry.key).then(function (answer) {
      delete inFlight[entry.key];
      if (answer.status === 200 || answer.status === 201) {
        dequeue(entry.key);
        toast(describe(entry.body), answer.body);
        refresh();
        refreshPrinter();
      } else if (answer.status === 401) {
        signedOut();
      } else if (answer.status >= 500 || answer.status === 403 && /csrf/.test(answer.body.type)) {
        // Busy or a stale page: the tap stays queued and goes with the next attempt.
        if (answer.status === 403) window.location.reload();
      } else {
        dequeue(entry.key);
        refused(entry.body, answer);
        refresh();
      }
      showWaiting();
    }, function () {
      delete inFlight[entry.key];
      toast(say(strings.queued, { what: items[entry.body.item_id].name }));
      showWaiting();
    });
  }

  function give(body) {
    var entry = { key: newKey(), staff: data.staff_id, body: body, at: Date.now() };
    enqueue(entry);
    showWaiting();
    // Known to be offline: the tap waits unsent, so it can still be cancelled.
    if (online && navigator.onLine !== false) return send(entry);
    setOnline(false);
    toast(say(strings.queued, { what: items[body.item_id].name }));
    return Promise.resolve();
  }

  function flush() {
    mine(loadQueue()).forEach(function (entry) { send(entry); });
  }

  function cleanBody(fields) {
    var body = {};
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      if (typeof value === "string") value = value.trim();
      if (value !== "" && value !== null && value !== undefined) body[name] = value;
    });
    return body;
  }

  // A refused tap: a limit a manager can lift asks one; a retired item leaves its tile blocked.
  function refused(body, answer) {
    var item = items[body.item_id];
    var limit = answer.body.limit;
    if (limit === "item_retired") {
      retired[body.item_id] = true;
      showBlocks();
      toast(say(strings.refused, { why: whyText(limit, item) }));
    } else if (answer.status === 409 && strings.why[limit]) {
      askManager(body, limit, answer.body);
    } else {
      toast(say(strings.refused, { why: answer.body.detail || strings.error }));
    }
  }

  // A tap on a blocked tile: a retired item cannot be given; any other limit asks a manager.
  function blockedTap(body, button) {
    var limit = button && button.dataset.limit;
    if (!limit) return false;
    if (limit === "item_retired") {
      toast(say(strings.refused, { why: whyText(limit, items[body.item_id]) }));
    } else {
      askManager(body, limit);
    }
    return true;
  }

  document.querySelectorAll("[data-give]").forEach(function (button) {
    button.addEventListener("click", function () {
      var body = { item_id: Number(button.dataset.give) };
      if (!blockedTap(body, button)) give(body);
    });
  });

  // -- the sheet: name, friendly note, internal reason -------------------------------------------
  var sheet = $("sheet");
  var sheetBreakdown = null;

  function showSuggestions() {
    var box = $("sheet-suggestions");
    box.textContent = "";
    var item = items[$("sheet-item").value];
    setText("sheet-value", item ? shown(item.value) : "");
    (item ? item.suggested_notes : []).forEach(function (note) {
      var chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = note;
      chip.addEventListener("click", function () { $("sheet-note").value = note; });
      box.appendChild(chip);
    });
  }

  function openSheet(itemId, breakdown) {
    $("sheet-form").reset();
    $("sheet-error").hidden = true;
    sheetBreakdown = breakdown || null;
    if (itemId) $("sheet-item").value = String(itemId);
    if (breakdown) $("sheet-reason").value = breakdown.title;
    showSuggestions();
    sheet.showModal();
  }

  $("sheet-item").addEventListener("change", showSuggestions);
  document.querySelectorAll("[data-sheet]").forEach(function (button) {
    button.addEventListener("click", function () { openSheet(button.dataset.sheet); });
  });
  document.querySelectorAll("[data-breakdown]").forEach(function (button) {
    button.addEventListener("click", function () {
      var breakdown = breakdowns[button.dataset.breakdown];
      openSheet(breakdown.item_id, breakdown);
    });
  });

  $("sheet-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var body = cleanBody({
      item_id: Number($("sheet-item").value),
      customer_name: $("sheet-customer").value,
      note: $("sheet-note").value,
      reason: $("sheet-reason").value,
      breakdown_id: sheetBreakdown ? sheetBreakdown.id : null,
    });
    sheet.close();
    var button = document.querySelector('[data-give="' + body.item_id + '"]');
    if (!blockedTap(body, button)) give(body);
  });

  // -- ask a manager: their tile, their PIN, one comp over the allowance ---------------------------
  var approve = $("approve");
  var pending = null;
  var managerId = null;

  function askManager(body, limit, problem) {
    pending = body;
    managerId = null;
    approve.dataset.limit = limit;
    $("approve-why").textContent = whyText(limit, items[body.item_id], problem);
    $("approve-left").textContent = leftText(problem);
    $("approve-who").hidden = false;
    $("approve-pin").hidden = true;
    $("approve-error").hidden = true;
    $("approve-pin-input").value = "";
    if (!approve.open) approve.showModal();
  }

  document.querySelectorAll("[data-manager]").forEach(function (button) {
    button.addEventListener("click", function () {
      managerId = Number(button.dataset.manager);
      $("approve-who").hidden = true;
      $("approve-pin").hidden = false;
      $("approve-pin-label").textContent = say(strings.for_manager, { name: button.textContent });
      $("approve-pin-input").focus();
    });
  });

  $("approve-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pending || !managerId) return;
    var body = Object.assign({}, pending, { manager_id: managerId, pin: $("approve-pin-input").value });
    var key = pending.key || (pending.key = newKey());
    var payload = Object.assign({}, body);
    delete payload.key;
    $("approve-ok").disabled = true;
    call("POST", "/tablet/approvals", payload, key).then(function (answer) {
      if (answer.status === 200 || answer.status === 201) {
        var manager = document.querySelector('[data-manager="' + managerId + '"]').textContent;
        approve.close();
        toast(say(strings.approved, { manager: manager, what: items[pending.item_id].name }), answer.body);
        pending = null;
        refresh();
      } else if (answer.status === 401 && !answer.body.type.endsWith("wrong-credentials")) {
        signedOut();
      } else {
        var retiredNow = answer.body.limit === "item_retired";
        if (retiredNow) { retired[pending.item_id] = true; showBlocks(); }
        $("approve-pin-input").value = "";
        $("approve-error").textContent = retiredNow
          ? whyText("item_retired", items[pending.item_id])
          : answer.body.detail || strings.error;
        $("approve-error").hidden = false;
      }
    }, function () {
      $("approve-error").textContent = strings.offline;
      $("approve-error").hidden = false;
    }).then(function () { $("approve-ok").disabled = false; });
  });

  // -- propose a breakdown -----------------------------------------------------------------------
  var propose = $("propose");
  $("propose-open").addEventListener("click", function () {
    $("propose-form").reset();
    $("propose-error").hidden = true;
    propose.showModal();
  });
  $("propose-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var item = $("propose-item").value;
    var body = cleanBody({
      title: $("propose-what").value,
      recovery: $("propose-recovery").value,
      suggested_item_id: item ? Number(item) : null,
    });
    call("POST", "/api/v1/breakdowns", body).then(function (answer) {
      if (answer.status === 201) {
        propose.close();
        toast(say(strings.proposed, { title: answer.body.title }));
      } else {
        $("propose-error").textContent = answer.body.detail || strings.error;
        $("propose-error").hidden = false;
      }
    }, function () {
      $("propose-error").textContent = strings.offline;
      $("propose-error").hidden = false;
    });
  });

  document.querySelectorAll("dialog [data-close]").forEach(function (button) {
    button.addEventListener("click", function () { button.closest("dialog").close(); });
  });

  // -- keep up: the other tablets' taps, the connection, the waiting taps ---------------------------
  function tick() {
    refresh().then(function () {
      if (online) flush();
    });
    refreshPrinter();
  }
  window.addEventListener("online", tick);
  window.addEventListener("offline", function () { setOnline(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") tick();
  });
  showWaiting();
  tick();
  window.setInterval(tick, POLL_MS);
})();
