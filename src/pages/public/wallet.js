// The resident's wallet, as a city app embeds it: the app hands the resident's token over
// in the URL fragment (/wallet#token=…), which browsers never send to a server; the page
// moves it into sessionStorage and out of the address bar at once. Rounds, stock, claims and
// vouchers all come from the JSON API.
import { api, ApiError, el, formatDate, formatTime, onLanguageChange, say, setUpPage, t, themeName, yuan } from './pages.js';
import qrcode from './qrcode.mjs';

const TOKEN_KEY = 'juhui.wallet.token';
const STOCK_REFRESH_MS = 5000;
const ROUNDS_REFRESH_MS = 60000;
const SECOND = 1000;

setUpPage({
  'zh-CN': {
    'wallet.title': '聚惠 · 我的消费券',
    'wallet.heading': '聚惠消费券 · 我的券包',
    'wallet.rounds': '可领取的消费券',
    'wallet.vouchers': '我的消费券',
    'wallet.loading': '加载中…',
    'wallet.noRounds': '目前没有正在进行或即将开始的领取。',
    'wallet.noVouchers': '您还没有消费券。',
    'wallet.noToken': '请从城市 App 中打开您的券包，才能领取和查看消费券。',
    'wallet.expired': '您的登录已过期，请从城市 App 重新打开券包。',
    'wallet.opensIn': '距开始领取还有 {time}',
    'wallet.openUntil': '正在领取，{time} 截止',
    'wallet.closed': '本期领取已结束',
    'wallet.deal': '满 {minSpend} 减 {faceValue}',
    'wallet.remaining': '剩余 {remaining} / {quantity} 张',
    'wallet.claim': '领取',
    'wallet.claimLabel': '领取 {deal}',
    'wallet.claiming': '领取中…',
    'wallet.claimed': '领取成功！{deal} 已放入您的券包。',
    'wallet.soldOut': '已领完',
    'wallet.faceValue': '面值',
    'wallet.minSpend': '最低消费',
    'wallet.validity': '有效期',
    'wallet.theme': '适用类别',
    'wallet.where': '可用商户',
    'wallet.nowhere': '暂无商户',
    'wallet.qrAlt': '券码 {code} 的二维码',
    'wallet.days': '{days} 天 ',
    'status.claimed': '可使用',
    'status.redeemed': '已使用',
    'status.expired': '已过期',
    'status.voided': '已作废',
  },
  en: {
    'wallet.title': 'Juhui · My vouchers',
    'wallet.heading': 'Juhui vouchers · My wallet',
    'wallet.rounds': 'Vouchers to claim',
    'wallet.vouchers': 'My vouchers',
    'wallet.loading': 'Loading…',
    'wallet.noRounds': 'No round is open or coming up right now.',
    'wallet.noVouchers': 'You have no vouchers yet.',
    'wallet.noToken': 'Open your wallet from the city app to claim and see vouchers.',
    'wallet.expired': 'Your sign-in has expired. Please open the wallet again from the city app.',
    'wallet.opensIn': 'Claims open in {time}',
    'wallet.openUntil': 'Open now, until {time}',
    'wallet.closed': 'Claims for this round have ended',
    'wallet.deal': 'Spend {minSpend}, save {faceValue}',
    'wallet.remaining': '{remaining} of {quantity} left',
    'wallet.claim': 'Claim',
    'wallet.claimLabel': 'Claim {deal}',
    'wallet.claiming': 'Claiming…',
    'wallet.claimed': 'Claimed! {deal} is in your wallet.',
    'wallet.soldOut': 'All gone',
    'wallet.faceValue': 'Value',
    'wallet.minSpend': 'Minimum spend',
    'wallet.validity': 'Valid',
    'wallet.theme': 'For',
    'wallet.where': 'Where to use it',
    'wallet.nowhere': 'No shop yet',
    'wallet.qrAlt': 'QR code of voucher {code}',
    'wallet.days': '{days} d ',
    'status.claimed': 'Ready to use',
    'status.redeemed': 'Used',
    'status.expired': 'Expired',
    'status.voided': 'Voided',
  },
});

const $ = (id) => document.getElementById(id);

function takeTokenFromFragment() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (!token) return;
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, '', `${location.pathname}${location.search}`);
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

const deal = (d) => t('wallet.deal', { minSpend: yuan(d.minSpend), faceValue: yuan(d.faceValue) });

/** Page-level trouble: no token, or the API away (then cleared by the next answer that works). */
let apiAway = false;

function notice(text) {
  apiAway = false;
  say($('notice'), text, 'error');
}

function noticeFor(error) {
  if (!(error instanceof ApiError)) throw error;
  notice(error.text);
  apiAway = true;
}

function apiIsBack() {
  if (!apiAway) return;
  apiAway = false;
  say($('notice'), token() ? '' : t('wallet.noToken'), 'error');
}

// --- Rounds -------------------------------------------------------------------------------
// Each round's card is built once and then updated in place (stock every few seconds, the
// countdown every second), so a keyboard user's focus is never thrown away by a refresh.

/** roundId → {campaign, round, card, update} */
const rounds = new Map();
/** campaignId → name, for the vouchers' cards. */
const campaignNames = new Map();
const claiming = new Set();

function phase(round, now = Date.now()) {
  // A round cancelled or closed early by the bureau is over whatever its window says.
  if (round.status !== 'active') return 'closed';
  if (now < Date.parse(round.claimOpensAt)) return 'upcoming';
  if (now < Date.parse(round.claimClosesAt)) return 'open';
  return 'closed';
}

function countdown(ms) {
  const total = Math.max(0, Math.ceil(ms / SECOND));
  const days = Math.floor(total / 86400);
  const clock = [Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60].map((n) => String(n).padStart(2, '0')).join(':');
  return `${days > 0 ? t('wallet.days', { days }) : ''}${clock}`;
}

function roundCard(entry) {
  const title = el('h3');
  const theme = el('p', { class: 'muted' });
  const timing = el('p', { dataset: { timing: '' } });
  const message = el('p', { class: 'message', role: 'status', hidden: true });
  const rows = entry.round.denominations.map((denomination) => {
    const label = el('strong');
    const stock = el('span', { class: 'muted', dataset: { remaining: denomination.id } });
    const button = el('button', { type: 'button', dataset: { denomination: denomination.id } });
    button.addEventListener('click', () => void claim(entry.round.id, denomination.id, message));
    const row = el('li', { class: 'denomination' }, label, ' ', stock, el('div', { class: 'actions' }, button));
    return { denomination, label, stock, button, row };
  });
  const card = el(
    'li',
    { class: 'card', dataset: { roundId: entry.round.id } },
    title,
    theme,
    timing,
    el(
      'ul',
      { class: 'plain' },
      rows.map((r) => r.row),
    ),
    message,
  );
  const update = () => {
    const round = entry.round;
    title.textContent = `${entry.campaign.name} · ${round.name}`;
    theme.textContent = themeName(entry.campaign.theme);
    const now = Date.now();
    const state = phase(round, now);
    card.dataset.phase = state;
    timing.textContent =
      state === 'upcoming'
        ? t('wallet.opensIn', { time: countdown(Date.parse(round.claimOpensAt) - now) })
        : state === 'open'
          ? t('wallet.openUntil', { time: formatTime(round.claimClosesAt) })
          : t('wallet.closed');
    for (const row of rows) {
      const live = round.denominations.find((d) => d.id === row.denomination.id) ?? row.denomination;
      row.label.textContent = deal(live);
      row.stock.textContent = t('wallet.remaining', { remaining: live.remaining ?? live.quantity, quantity: live.quantity });
      row.stock.dataset.value = String(live.remaining ?? live.quantity);
      const soldOut = live.remaining === 0;
      const busy = claiming.has(live.id);
      row.button.textContent = busy ? t('wallet.claiming') : soldOut ? t('wallet.soldOut') : t('wallet.claim');
      row.button.setAttribute('aria-label', t('wallet.claimLabel', { deal: deal(live) }));
      row.button.disabled = busy || soldOut || state !== 'open';
    }
  };
  entry.card = card;
  entry.update = update;
  update();
  return card;
}

async function loadRounds() {
  try {
    const campaigns = (await api('/campaigns?limit=500')).body.items;
    const details = await Promise.all(campaigns.map((campaign) => api(`/campaigns/${campaign.id}`).then((answer) => answer.body)));
    for (const campaign of details) campaignNames.set(campaign.id, campaign.name);
    const now = Date.now();
    const wanted = details
      .flatMap((campaign) => campaign.rounds.map((round) => ({ campaign, round })))
      .filter(({ round }) => phase(round, now) !== 'closed')
      .sort((a, b) => Date.parse(a.round.claimOpensAt) - Date.parse(b.round.claimOpensAt));
    const live = await Promise.all(wanted.map(({ round }) => api(`/rounds/${round.id}`).then((answer) => answer.body)));
    const ids = live.map((round) => round.id).join();
    if (ids !== [...rounds.keys()].join()) {
      rounds.clear();
      wanted.forEach((entry, i) => rounds.set(live[i].id, { campaign: entry.campaign, round: live[i] }));
      $('rounds').replaceChildren(...[...rounds.values()].map(roundCard));
    } else {
      live.forEach((round) => Object.assign(rounds.get(round.id), { round }));
      for (const entry of rounds.values()) entry.update();
    }
    say($('rounds-status'), rounds.size === 0 ? t('wallet.noRounds') : '');
    apiIsBack();
  } catch (error) {
    // The notice says what went wrong; the list must not go on saying it is loading.
    say($('rounds-status'), '');
    noticeFor(error);
  }
}

async function refreshStock(ids = [...rounds.keys()]) {
  try {
    const live = await Promise.all(ids.map((id) => api(`/rounds/${id}`).then((answer) => answer.body)));
    for (const round of live) {
      const entry = rounds.get(round.id);
      if (!entry) continue;
      entry.round = round;
      entry.update();
    }
    apiIsBack();
  } catch (error) {
    noticeFor(error);
  }
}

async function claim(roundId, denominationId, message) {
  if (claiming.has(denominationId)) return;
  claiming.add(denominationId);
  rounds.get(roundId)?.update();
  say(message, '');
  try {
    const voucher = (await api('/claims', { method: 'POST', body: { denominationId }, token: token() })).body;
    say(message, t('wallet.claimed', { deal: deal(voucher) }), 'ok');
    await loadVouchers();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    say(message, error.text, 'error');
    if (error.code === 'UNAUTHENTICATED') forgetToken();
  } finally {
    claiming.delete(denominationId);
    await refreshStock([roundId]);
  }
}

// --- Vouchers -----------------------------------------------------------------------------

let vouchers = [];
/** theme → the directory's merchants for it (read once per page load). */
const directory = new Map();

async function merchantsFor(theme) {
  if (!directory.has(theme)) {
    directory.set(
      theme,
      api(`/merchants/directory?theme=${encodeURIComponent(theme)}&limit=500`)
        .then((answer) => answer.body.items)
        .catch(() => {
          directory.delete(theme);
          return undefined;
        }),
    );
  }
  return directory.get(theme);
}

function qrImage(code) {
  const qr = qrcode(0, 'M');
  qr.addData(code);
  qr.make();
  // 4 modules of quiet zone, as scanners expect.
  return el('img', { class: 'qr', src: qr.createDataURL(6, 24), alt: t('wallet.qrAlt', { code }) });
}

function voucherCard(voucher, merchants) {
  const campaign = campaignNames.get(voucher.campaignId);
  const where = merchants === undefined ? '—' : merchants.length === 0 ? t('wallet.nowhere') : merchants.map((m) => m.name).join('、');
  return el(
    'li',
    { class: 'card', dataset: { voucherId: voucher.id, code: voucher.code } },
    el('h3', {}, deal(voucher)),
    campaign ? el('p', { class: 'muted' }, campaign) : null,
    el('span', { class: 'badge', dataset: { status: voucher.status } }, t(`status.${voucher.status}`)),
    qrImage(voucher.code),
    el('p', { class: 'code' }, voucher.code),
    el(
      'dl',
      {},
      el('dt', {}, t('wallet.faceValue')),
      el('dd', {}, yuan(voucher.faceValue)),
      el('dt', {}, t('wallet.minSpend')),
      el('dd', {}, yuan(voucher.minSpend)),
      el('dt', {}, t('wallet.validity')),
      el('dd', {}, `${formatDate(voucher.validFrom)} – ${formatDate(voucher.validUntil)}`),
      el('dt', {}, t('wallet.theme')),
      el('dd', {}, themeName(voucher.theme)),
      el('dt', {}, t('wallet.where')),
      el('dd', { dataset: { where: voucher.theme } }, where),
    ),
  );
}

async function renderVouchers() {
  const merchants = await Promise.all(vouchers.map((voucher) => merchantsFor(voucher.theme)));
  $('vouchers').replaceChildren(...vouchers.map((voucher, i) => voucherCard(voucher, merchants[i])));
  say($('vouchers-status'), vouchers.length === 0 ? t('wallet.noVouchers') : '');
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  notice(t('wallet.expired'));
}

async function loadVouchers() {
  if (!token()) {
    notice(t('wallet.noToken'));
    return;
  }
  try {
    vouchers = (await api('/me/vouchers?limit=500', { token: token() })).body.items;
    await renderVouchers();
    apiIsBack();
  } catch (error) {
    if (error instanceof ApiError && error.code === 'UNAUTHENTICATED') forgetToken();
    else noticeFor(error);
  }
}

async function start() {
  takeTokenFromFragment();
  window.addEventListener('hashchange', () => {
    takeTokenFromFragment();
    void loadVouchers();
  });
  onLanguageChange(() => {
    for (const entry of rounds.values()) entry.update();
    void renderVouchers();
    if (!token()) notice(t('wallet.noToken'));
  });
  await Promise.all([loadRounds(), loadVouchers()]);
  setInterval(() => {
    for (const entry of rounds.values()) entry.update();
  }, SECOND);
  setInterval(() => void refreshStock(), STOCK_REFRESH_MS);
  setInterval(() => void loadRounds(), ROUNDS_REFRESH_MS);
}

void start();
