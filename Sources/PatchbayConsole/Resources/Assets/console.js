/* Patchbay console — progressive enhancement only; every page works without it.
   Behaviours: copy buttons, confirm dialogs, help popovers, live tail, file drop zones, SVG file reading,
   keyboard shortcuts. */
(function () {
  'use strict';

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  // Build an element with properties/attributes and text; never parses HTML.
  function el(tag, props = {}, text = '') {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) {
      if (k in node) node[k] = v; else node.setAttribute(k, v);
    }
    if (text) node.textContent = text;
    return node;
  }

  // One polite live region for short announcements (copy results).
  const announcer = document.body.appendChild(el('p', { className: 'visually-hidden', role: 'status' }));
  const announce = (text) => {
    announcer.textContent = '';
    setTimeout(() => { announcer.textContent = text; }, 50);
  };

  /* ---------- Copy buttons ---------- */
  $$('button[data-copy]').forEach((b) => { b.hidden = false; });

  function flashLabel(button, text) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = text;
    clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
  }

  document.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-copy]');
    const source = button && $(button.dataset.copy);
    if (!source) return;
    event.preventDefault();
    const fallback = () => { // select the text so the user can copy it by hand
      const range = document.createRange();
      range.selectNodeContents(source);
      const sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
      flashLabel(button, 'Selected');
      announce('Text selected. Press Control+C or Command+C to copy.');
    };
    if (!navigator.clipboard || !window.isSecureContext) { fallback(); return; }
    navigator.clipboard.writeText(source.textContent).then(() => {
      flashLabel(button, 'Copied');
      announce('Copied to clipboard.');
    }, fallback);
  });

  /* ---------- Confirmation dialog for form[data-confirm] ---------- */
  let confirmDialog = null;
  let pending = null; // { form, submitter }

  function buildConfirmDialog() {
    const dialog = el('dialog', { className: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-message' });
    const cancel = el('button', { type: 'button', className: 'button subtle' }, 'Cancel');
    const ok = el('button', { type: 'button', className: 'button danger' }, 'Confirm');
    const actions = el('div', { className: 'form-actions' });
    actions.append(cancel, ok);
    dialog.append(el('h2', { id: 'confirm-title' }, 'Please confirm'), el('p', { id: 'confirm-message' }), actions);
    document.body.appendChild(dialog);
    cancel.addEventListener('click', () => dialog.close('cancel'));
    ok.addEventListener('click', () => dialog.close('confirm'));
    dialog.addEventListener('close', () => {
      const job = pending;
      pending = null;
      if (job && dialog.returnValue === 'confirm') submitConfirmed(job.form, job.submitter);
      else if (job && job.submitter && job.submitter.isConnected) job.submitter.focus();
    });
    return dialog;
  }

  function submitConfirmed(form, submitter) {
    const field = $('input[name="confirmed"]', form) || form.appendChild(el('input', { type: 'hidden', name: 'confirmed' }));
    field.value = 'yes';
    // form.submit() fires no submit event (so no re-interception) but drops the submitter's name/value.
    const carry = submitter && submitter.name
      ? form.appendChild(el('input', { type: 'hidden', name: submitter.name, value: submitter.value })) : null;
    form.submit();
    field.value = ''; // the form data set is already built; reset for back/forward cache
    if (carry) carry.remove();
  }

  document.addEventListener('submit', (event) => {
    const form = event.target;
    // A form asks before any submit (data-confirm); a button asks before its own (data-confirm-submit).
    const asking = event.submitter && event.submitter.hasAttribute('data-confirm-submit') ? event.submitter : null;
    if (!(form instanceof HTMLFormElement) || !(asking || form.hasAttribute('data-confirm'))) return;
    const field = $('input[name="confirmed"]', form);
    if ((field && field.value === 'yes') || typeof HTMLDialogElement !== 'function') return;
    event.preventDefault();
    confirmDialog = confirmDialog || buildConfirmDialog();
    if (confirmDialog.open) return;
    pending = { form, submitter: event.submitter || null };
    $('#confirm-message', confirmDialog).textContent = (asking ? asking.dataset.confirmSubmit : form.dataset.confirm) || 'Are you sure?';
    confirmDialog.returnValue = '';
    confirmDialog.showModal();
    $('.button.subtle', confirmDialog).focus();
  });

  /* ---------- Help popovers (open on hover/focus of the .event-type container) ---------- */
  $$('.event-type').forEach((container) => {
    const help = $('details.help', container);
    if (!help) return;
    // data-auto: opened by hover/focus; data-dismissed: closed with Escape until the pointer/focus leaves.
    const open = () => { if (!help.open && !help.dataset.dismissed) { help.open = true; help.dataset.auto = 'yes'; } };
    const close = () => {
      delete help.dataset.dismissed;
      if (help.dataset.auto) { help.open = false; delete help.dataset.auto; }
    };
    container.addEventListener('mouseenter', open);
    container.addEventListener('mouseleave', () => { if (!container.contains(document.activeElement)) close(); });
    container.addEventListener('focusin', open);
    container.addEventListener('focusout', (event) => { if (!container.contains(event.relatedTarget)) close(); });
    // A click on a hover-opened summary pins it open instead of toggling it shut.
    $('summary', help).addEventListener('click', (event) => {
      if (help.dataset.auto) { event.preventDefault(); delete help.dataset.auto; }
    });
  });

  /* ---------- Menus: one open at a time, outside click closes ---------- */
  document.addEventListener('click', (event) => {
    $$('details.menu[open]').forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
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
    const status = el('span', { className: 'live-status', role: 'status' });
    (toggle.closest('.live-toggle') || toggle).after(status);
    let timer = 0, controller = null, last = null;
    const stop = (message) => {
      clearTimeout(timer);
      if (controller) controller.abort();
      controller = null;
      status.textContent = message;
    };
    const schedule = () => { clearTimeout(timer); timer = setTimeout(poll, 3000); };

    async function poll() {
      if (!toggle.checked) return;
      if (document.hidden) { schedule(); return; }
      const target = new URL(url, document.baseURI);
      if (target.origin !== location.origin) { toggle.checked = false; stop('Live updates unavailable.'); return; }
      const mine = controller = new AbortController();
      try {
        const res = await fetch(target, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/html' }, signal: mine.signal });
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
    const index = Array.from(body.rows).findIndex((r) => r.classList.contains('row-current'));
    const hadFocus = body.contains(document.activeElement);
    body.innerHTML = html;
    if (index >= 0 && body.rows.length) setCurrentRow(body, Math.min(index, body.rows.length - 1), hadFocus);
  }

  /* ---------- File drop zones ([data-dropzone]) ---------- */
  const fileSize = (bytes) => (bytes < 1024 ? `${bytes} bytes`
    : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`);
  const carriesFiles = (event) => !!event.dataTransfer && Array.from(event.dataTransfer.types || []).includes('Files');
  const zones = $$('[data-dropzone]');

  zones.forEach((zone) => {
    const input = $('input[type="file"]', zone);
    if (!input) return;
    const hint = $('.hint', zone);
    const original = hint ? hint.textContent : '';
    const describe = () => {
      const file = input.files && input.files[0];
      return file ? `Chosen: ${file.name} (${fileSize(file.size)})` : '';
    };
    const show = () => { if (hint) hint.textContent = describe() || original; };
    let depth = 0; // dragenter/dragleave also fire for the zone's children
    const clear = () => { depth = 0; zone.classList.remove('dragover'); };
    zone.addEventListener('dragenter', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth += 1;
      zone.classList.add('dragover');
    });
    zone.addEventListener('dragover', (event) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
      zone.classList.add('dragover');
    });
    zone.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) zone.classList.remove('dragover');
    });
    zone.addEventListener('drop', (event) => {
      clear();
      const files = event.dataTransfer && event.dataTransfer.files;
      if (!files || !files.length) return;
      event.preventDefault();
      try { // the input takes one file: keep the first of several
        if (files.length > 1 && !input.multiple && typeof DataTransfer === 'function') {
          const one = new DataTransfer();
          one.items.add(files[0]);
          input.files = one.files;
        } else {
          input.files = files;
        }
      } catch (err) {
        if (hint) hint.textContent = 'This browser cannot take a dropped file here: choose it with the button.';
        return;
      }
      input.dispatchEvent(new Event('change', { bubbles: true }));
      input.focus();
    });
    input.addEventListener('change', () => {
      show();
      const text = describe();
      if (text) announce(text);
    });
    document.addEventListener('dragend', clear);
    show(); // a file kept by the back/forward cache
  });

  // A file dropped beside a drop zone must not make the browser leave the page (and the form) to show it.
  if (zones.length) {
    ['dragover', 'drop'].forEach((type) => document.addEventListener(type, (event) => {
      if (!carriesFiles(event) || (event.target instanceof Element && event.target.closest('[data-dropzone]'))) return;
      event.preventDefault();
      if (type === 'dragover') event.dataTransfer.dropEffect = 'none';
    }));
  }

  /* ---------- SVG file read into a text box (input[type=file][data-svg-into]) ---------- */
  const SVG_MAX_BYTES = 256 * 1024;
  $$('input[type="file"][data-svg-into]').forEach((input) => {
    const target = $(input.dataset.svgInto);
    if (!(target instanceof HTMLTextAreaElement) || typeof FileReader !== 'function') return;
    const hintId = (target.getAttribute('aria-describedby') || '').split(/\s+/).find((id) => {
      const node = id && document.getElementById(id);
      return node && node.classList.contains('hint');
    });
    const hint = (hintId && document.getElementById(hintId)) || $('.hint', input.closest('.field') || document.body);
    const status = el('span', { className: 'file-status' });
    if (hint) hint.append(status);
    const say = (text, isError = false) => {
      status.textContent = text;
      status.classList.toggle('error', isError);
      announce(text);
    };
    input.hidden = false;
    input.addEventListener('change', () => {
      const file = input.files && input.files[0];
      if (!file) { status.textContent = ''; return; }
      if (file.size > SVG_MAX_BYTES) {
        say(`${file.name} is ${fileSize(file.size)}; an icon file can be at most 256 KiB.`, true);
        input.value = '';
        return;
      }
      const reader = new FileReader();
      reader.addEventListener('load', () => {
        target.value = String(reader.result);
        target.dispatchEvent(new Event('input', { bubbles: true }));
        say(`Read ${file.name} (${fileSize(file.size)}) into the box; it is saved with the form.`);
      });
      reader.addEventListener('error', () => say(`Could not read ${file.name}.`, true));
      reader.readAsText(file);
    });
  });

  /* ---------- Keyboard shortcuts ---------- */
  const rowsBody = () => { const table = $('table[data-rows]'); return table && table.tBodies[0]; };

  function setCurrentRow(body, index, focus = true) {
    Array.from(body.rows).forEach((r, i) => r.classList.toggle('row-current', i === index));
    const row = body.rows[index];
    const link = row && $('a', row);
    if (focus && link) link.focus();
    if (row) row.scrollIntoView({ block: 'nearest' });
  }

  function moveRow(step) {
    const body = rowsBody();
    if (!body || !body.rows.length) return;
    const n = body.rows.length;
    const index = Array.from(body.rows).findIndex((r) => r.classList.contains('row-current'));
    setCurrentRow(body, index < 0 ? (step > 0 ? 0 : n - 1) : Math.max(0, Math.min(n - 1, index + step)));
  }

  const NON_TEXT = /^(checkbox|radio|button|submit|reset|range|color|file|image)$/;
  const isTyping = (node) => node instanceof Element && (node.isContentEditable ||
    node.matches('textarea, select') || (node.matches('input') && !NON_TEXT.test(node.type)));

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.isComposing) return;
    if (event.key === 'Escape') {
      // No preventDefault: an open <dialog> must still get its native Escape/cancel.
      if (!$('dialog[open]')) closeMenusAndPopovers();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const t = event.target;
    if (isTyping(t) || $('dialog[open]')) return;
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
      default: break;
    }
  });
})();
