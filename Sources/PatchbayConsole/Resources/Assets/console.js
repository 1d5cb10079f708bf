/* Patchbay console — progressive enhancement only; every page works without it.
   Behaviours: copy buttons, confirm dialogs, help popovers, live tail, keyboard shortcuts. */
(function () {
  'use strict';

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  // One polite live region for short announcements (copy results).
  const announcer = document.createElement('p');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('role', 'status');
  document.body.appendChild(announcer);
  function announce(text) {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 50);
  }

  /* ---------- Copy buttons ---------- */
  $$('button[data-copy]').forEach((b) => { b.hidden = false; });

  function flashLabel(button, text) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = text;
    clearTimeout(button._copyTimer);
    button._copyTimer = setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
  }

  function selectText(el) {
    const sel = window.getSelection();
    if (!sel) return;
    sel.removeAllRanges();
    const range = document.createRange();
    range.selectNodeContents(el);
    sel.addRange(range);
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-copy]');
    if (!button) return;
    event.preventDefault();
    const source = $(button.dataset.copy);
    if (!source) return;
    const text = source.textContent;
    const fallback = () => {
      selectText(source);
      flashLabel(button, 'Selected');
      announce('Text selected. Press Control+C or Command+C to copy.');
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => {
        flashLabel(button, 'Copied');
        announce('Copied to clipboard.');
      }, fallback);
    } else {
      fallback();
    }
  });

  /* ---------- Confirmation dialog for form[data-confirm] ---------- */
  let confirmDialog = null;
  let pending = null; // { form, submitter }

  function buildConfirmDialog() {
    const dialog = document.createElement('dialog');
    dialog.className = 'confirm';
    dialog.setAttribute('aria-labelledby', 'confirm-title');
    dialog.setAttribute('aria-describedby', 'confirm-message');
    const title = document.createElement('h2');
    title.id = 'confirm-title';
    title.textContent = 'Please confirm';
    const message = document.createElement('p');
    message.id = 'confirm-message';
    const actions = document.createElement('div');
    actions.className = 'form-actions';
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'button subtle';
    cancel.textContent = 'Cancel';
    const ok = document.createElement('button');
    ok.type = 'button';
    ok.className = 'button danger';
    ok.textContent = 'Confirm';
    actions.append(cancel, ok);
    dialog.append(title, message, actions);
    document.body.appendChild(dialog);

    cancel.addEventListener('click', () => dialog.close('cancel'));
    ok.addEventListener('click', () => dialog.close('confirm'));
    dialog.addEventListener('close', () => {
      const job = pending;
      pending = null;
      if (!job) return;
      if (dialog.returnValue === 'confirm') {
        submitConfirmed(job.form, job.submitter);
      } else if (job.submitter && job.submitter.isConnected) {
        job.submitter.focus();
      }
    });
    return dialog;
  }

  function submitConfirmed(form, submitter) {
    let field = form.querySelector('input[name="confirmed"]');
    if (!field) {
      field = document.createElement('input');
      field.type = 'hidden';
      field.name = 'confirmed';
      form.appendChild(field);
    }
    field.value = 'yes';
    // form.submit() skips the submit event (no re-interception) but drops the submitter's name/value.
    if (submitter && submitter.name) {
      const carry = document.createElement('input');
      carry.type = 'hidden';
      carry.name = submitter.name;
      carry.value = submitter.value;
      form.appendChild(carry);
    }
    form.submit();
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-confirm')) return;
    const field = form.querySelector('input[name="confirmed"]');
    if (field && field.value === 'yes') return;
    if (typeof HTMLDialogElement !== 'function') return; // no <dialog>: server-side confirmation page
    event.preventDefault();
    if (!confirmDialog) confirmDialog = buildConfirmDialog();
    if (confirmDialog.open) return;
    pending = { form, submitter: event.submitter || null };
    $('#confirm-message', confirmDialog).textContent = form.dataset.confirm || 'Are you sure?';
    confirmDialog.returnValue = '';
    confirmDialog.showModal();
    $('.button.subtle', confirmDialog).focus();
  });

  /* ---------- Help popovers (open on hover/focus of the .event-type container) ---------- */
  $$('.event-type').forEach((container) => {
    const help = $('details.help', container);
    if (!help) return;
    // data-auto: opened by hover/focus; data-dismissed: closed with Escape until the pointer/focus leaves.
    const open = () => {
      if (!help.open && !help.dataset.dismissed) { help.open = true; help.dataset.auto = 'yes'; }
    };
    const close = () => {
      delete help.dataset.dismissed;
      if (help.dataset.auto) { help.open = false; delete help.dataset.auto; }
    };
    container.addEventListener('mouseenter', open);
    container.addEventListener('mouseleave', () => { if (!container.contains(document.activeElement)) close(); });
    container.addEventListener('focusin', open);
    container.addEventListener('focusout', (event) => {
      if (!container.contains(event.relatedTarget)) close();
    });
    // A click on a hover-opened summary pins it open instead of toggling it shut.
    $('summary', help).addEventListener('click', (event) => {
      if (help.dataset.auto) { event.preventDefault(); delete help.dataset.auto; }
    });
  });

  /* ---------- Menus: one open at a time, outside click closes ---------- */
  document.addEventListener('click', (event) => {
    $$('details.menu[open]').forEach((menu) => {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  function closeMenusAndPopovers() {
    $$('details.menu[open], details.help[open]').forEach((d) => {
      if (d.matches('.help')) d.dataset.dismissed = 'yes';
      d.open = false;
      delete d.dataset.auto;
      if (d.contains(document.activeElement)) $('summary', d).focus();
    });
  }

  /* ---------- Live tail ---------- */
  $$('.live-toggle').forEach((label) => { label.hidden = false; });

  $$('input[data-live-toggle]').forEach((toggle) => {
    const body = $(toggle.dataset.liveToggle);
    const url = body && body.dataset.liveUrl;
    if (!url) return;
    const status = document.createElement('span');
    status.className = 'live-status';
    status.setAttribute('role', 'status');
    (toggle.closest('.live-toggle') || toggle).after(status);
    let timer = 0;
    let controller = null;
    let last = null;

    const stop = (message) => {
      clearTimeout(timer);
      timer = 0;
      if (controller) controller.abort();
      controller = null;
      status.textContent = message || '';
    };
    const schedule = () => { clearTimeout(timer); timer = setTimeout(poll, 3000); };

    async function poll() {
      if (!toggle.checked) return;
      if (document.hidden) { schedule(); return; }
      const target = new URL(url, document.baseURI);
      if (target.origin !== location.origin) { toggle.checked = false; stop('Live updates unavailable.'); return; }
      const mine = new AbortController();
      controller = mine;
      try {
        const res = await fetch(target, {
          credentials: 'same-origin', headers: { Accept: 'text/html' },
          signal: mine.signal, cache: 'no-store',
        });
        if (!res.ok || res.redirected) throw new Error('HTTP ' + res.status);
        const html = await res.text();
        if (!toggle.checked) return;
        if (html !== last) { replaceRows(body, html); last = html; }
        schedule();
      } catch (err) {
        if (err.name === 'AbortError') return;
        toggle.checked = false;
        stop('Live updates stopped: could not load new rows. Reload the page to try again.');
      } finally {
        if (controller === mine) controller = null;
      }
    }

    toggle.addEventListener('change', () => {
      if (toggle.checked) { status.textContent = 'Live updates on.'; last = null; poll(); }
      else stop('Live updates off.');
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && toggle.checked && !controller) { clearTimeout(timer); poll(); }
    });
  });

  // Replace a tbody's rows with a same-origin fragment; keep the j/k position and focus if possible.
  function replaceRows(body, html) {
    const rows = Array.from(body.rows);
    const index = rows.findIndex((r) => r.classList.contains('row-current'));
    const hadFocus = body.contains(document.activeElement);
    body.innerHTML = html;
    if (index >= 0 && body.rows.length) setCurrentRow(body, Math.min(index, body.rows.length - 1), hadFocus);
  }

  /* ---------- Keyboard shortcuts ---------- */
  function rowsBody() {
    const table = $('table[data-rows]');
    return table && table.tBodies[0];
  }

  function setCurrentRow(body, index, focus = true) {
    Array.from(body.rows).forEach((r, i) => r.classList.toggle('row-current', i === index));
    const row = body.rows[index];
    if (!row) return;
    const link = $('a', row);
    if (focus && link) link.focus();
    row.scrollIntoView({ block: 'nearest' });
  }

  function moveRow(step) {
    const body = rowsBody();
    if (!body || !body.rows.length) return;
    const rows = Array.from(body.rows);
    let index = rows.findIndex((r) => r.classList.contains('row-current'));
    index = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.max(0, Math.min(rows.length - 1, index + step));
    setCurrentRow(body, index);
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.key === 'Escape') {
      // No preventDefault: an open <dialog> must still get its native Escape/cancel.
      if (!$('dialog[open]')) closeMenusAndPopovers();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const t = event.target;
    if (t.closest && t.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"]')) return;
    if ($('dialog[open]')) return;
    switch (event.key) {
      case '/': {
        const search = $('input[type="search"]');
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      }
      case 'j': event.preventDefault(); moveRow(1); break;
      case 'k': event.preventDefault(); moveRow(-1); break;
      case 'Enter': {
        const body = rowsBody();
        const row = body && $('tr.row-current', body);
        if (!row || (t !== document.body && t !== document.documentElement && t !== row)) return;
        const link = $('a', row);
        if (link) { event.preventDefault(); link.click(); }
        break;
      }
      case '?': {
        const help = $('dialog#shortcuts');
        if (help && typeof help.showModal === 'function') { event.preventDefault(); help.showModal(); }
        break;
      }
      default:
    }
  });
})();
