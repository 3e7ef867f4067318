// The console's profile page with its Telegram section (API.md, "Telegram"): link a chat
// (a one-time link to open in Telegram, with a copy button), see that it is linked, unlink.
// app.js hands over its helpers (h, api, flash) and where to draw; this module keeps no state.

/** #/profile: who you are, and your Telegram link. */
export async function viewProfile({ h, api, flash, main }) {
  const { data: me } = await api('GET', '/users/me');
  const section = h('section', { class: 'card', 'aria-labelledby': 'telegram-heading' });
  main.replaceChildren(
    h('h1', {}, 'Profile'),
    h('div', { class: 'card' },
      h('p', {}, h('strong', {}, me.full_name), ` · ${me.role}`),
      h('p', { class: 'meta' }, me.email),
      me.teams.length ? h('p', { class: 'meta' }, `Teams: ${me.teams.map((t) => t.name).join(', ')}`) : ''),
    section);
  drawTelegram({ h, api, flash, section }, me);
}

function drawTelegram(ctx, me) {
  const { h, api, flash, section } = ctx;
  const heading = h('h2', { id: 'telegram-heading' }, 'Telegram');
  const redraw = async (message) => {
    drawTelegram(ctx, (await api('GET', '/users/me')).data);
    if (message) flash(message);
  };
  if (me.telegram.linked) {
    const since = new Date(me.telegram.linked_at).toLocaleString();
    const unlink = async () => {
      try {
        await api('DELETE', '/users/me/telegram');
        await redraw('Telegram unlinked.');
      } catch (err) { flash(err.message, 'error'); }
    };
    section.replaceChildren(heading,
      h('p', {}, `Linked${me.telegram.username ? ` to @${me.telegram.username}` : ''} since ${since}.`),
      h('p', { class: 'meta' }, 'The bot tells you about your requests there; /help in the chat lists what it can do.'),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: unlink }, 'Unlink Telegram')));
    return;
  }
  const out = h('div', { 'aria-live': 'polite' });
  const link = async () => {
    try {
      const { data } = await api('POST', '/users/me/telegram-link');
      showLink(ctx, out, data, () => redraw('Telegram linked.'));
    } catch (err) {
      out.replaceChildren(h('div', { class: 'error', role: 'alert' }, err.message));
    }
  };
  section.replaceChildren(heading,
    h('p', { class: 'meta' }, 'Link a Telegram chat to hear about your requests and work them from your phone.'),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: link }, 'Link Telegram')),
    out);
}

/** The one-time link, a copy button, and a quiet check every 2 s until the chat is linked (or the link expires). */
function showLink({ h, api, section }, out, { url, expires_at: expires }, linked) {
  const until = new Date(expires);
  const copy = h('button', { type: 'button', onclick: async () => {
    try { await navigator.clipboard.writeText(url); copy.textContent = 'Copied'; } catch { copy.textContent = 'Select the link and copy it'; }
  } }, 'Copy link');
  out.replaceChildren(h('div', { class: 'notice' },
    h('p', {}, `Open this link in Telegram and press Start. It works once, until ${until.toLocaleTimeString()}:`),
    h('p', { class: 'key' }, h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url)),
    copy));
  const check = async () => {
    if (!section.isConnected || Date.now() > until.getTime()) return;
    try {
      if ((await api('GET', '/users/me')).data.telegram.linked) return linked();
    } catch { /* try again */ }
    setTimeout(check, 2000);
  };
  setTimeout(check, 2000);
}
