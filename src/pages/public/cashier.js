// The merchant's checkout page: sign in with an API key (kept in sessionStorage), type or
// scan a voucher's code, verify, redeem, reverse; today's redemptions and the statements.
//
// One checkout attempt = one Idempotency-Key. The key is made when a usable verify result is
// shown and kept in sessionStorage with the code and amount until the attempt ends (redeemed,
// refused, or given up), so a double tap, a retry after a timeout and a reload all send the
// same key, and the API redeems at most once.
import {
  api,
  ApiError,
  clearFieldErrors,
  codeText,
  el,
  formatTime,
  onLanguageChange,
  parseYuan,
  say,
  setUpPage,
  showFieldError,
  showFieldErrors,
  t,
  yuan,
} from './pages.js';

const KEY_STORAGE = 'juhui.cashier.apiKey';
const ATTEMPT_STORAGE = 'juhui.cashier.attempt';
/** Past this the page stops waiting for a redemption's answer; the retry uses the same key. */
const REDEEM_TIMEOUT_MS = 10000;
const SCAN_INTERVAL_MS = 150;

setUpPage({
  'zh-CN': {
    'cashier.title': '聚惠 · 商户收银台',
    'cashier.heading': '聚惠消费券 · 商户收银台',
    'cashier.signInHeading': '商户登录',
    'cashier.apiKey': '商户 API 密钥',
    'cashier.signIn': '登录',
    'cashier.signOut': '退出',
    'cashier.keyRequired': '请输入 API 密钥',
    'cashier.keyRefused': 'API 密钥无效或已被吊销。',
    'cashier.checkout': '收款核销',
    'cashier.code': '券码',
    'cashier.orderAmount': '订单金额（元）',
    'cashier.orderAmountShort': '订单金额',
    'cashier.amountInvalid': '请输入金额，例如 200 或 199.50',
    'cashier.codeRequired': '请输入或扫描券码',
    'cashier.verify': '验证',
    'cashier.scan': '扫码',
    'cashier.stopScan': '停止扫码',
    'cashier.camera': '摄像头画面：请将券的二维码对准摄像头',
    'cashier.scanning': '请将二维码对准摄像头…',
    'cashier.scanned': '已识别券码 {code}',
    'cashier.noCamera': '无法使用摄像头，请手动输入券码。',
    'cashier.usable': '✔ 这张券可以使用。',
    'cashier.notUsable': '✘ 这张券不能使用：{reason}',
    'cashier.discount': '抵扣',
    'cashier.payable': '顾客实付',
    'cashier.redeem': '确认核销',
    'cashier.redeeming': '核销中…',
    'cashier.retry': '重试核销（不会重复扣券）',
    'cashier.cancel': '取消',
    'cashier.redeemed': '核销成功：抵扣 {discount}，请向顾客收取 {payable}。',
    'cashier.uncertain': '{reason} 请点击“重试核销”：同一笔交易不会被核销两次。',
    'cashier.restored': '已恢复未完成的收款（券码 {code}，金额 {amount}）。',
    'cashier.giveUp': '这笔核销可能已经完成，请在“今日核销”中核对。确定放弃吗？',
    'cashier.today': '今日核销',
    'cashier.time': '时间',
    'cashier.status': '状态',
    'cashier.actions': '操作',
    'cashier.noRedemptions': '今天还没有核销。',
    'cashier.totals': '合计 {count} 笔',
    'cashier.reverse': '撤销',
    'cashier.reverseLabel': '撤销券码 {code} 的核销',
    'cashier.reverseHeading': '撤销核销',
    'cashier.reverseSummary': '券码 {code}，订单金额 {order}，抵扣 {discount}。撤销后券退回顾客（若仍在有效期内）。',
    'cashier.reason': '撤销原因',
    'cashier.reasonRequired': '请填写撤销原因',
    'cashier.reverseConfirm': '确认撤销',
    'cashier.reversed': '已撤销。',
    'cashier.close': '关闭',
    'cashier.refundSoon': '部分退款功能即将上线；整单退货请使用“撤销”。',
    'cashier.statements': '结算单',
    'cashier.statement': '结算单',
    'cashier.redemptionCount': '笔数',
    'cashier.gross': '应结',
    'cashier.deductions': '扣减',
    'cashier.net': '实结',
    'cashier.bankReference': '银行流水号',
    'cashier.noStatements': '还没有结算单。',
    'redemption.active': '已核销',
    'redemption.reversed': '已撤销',
    'statement.pending': '待审核',
    'statement.approved': '已审核',
    'statement.held': '暂缓',
    'statement.paid': '已支付',
  },
  en: {
    'cashier.title': 'Juhui · Cashier',
    'cashier.heading': 'Juhui vouchers · Cashier',
    'cashier.signInHeading': 'Merchant sign-in',
    'cashier.apiKey': 'Merchant API key',
    'cashier.signIn': 'Sign in',
    'cashier.signOut': 'Sign out',
    'cashier.keyRequired': 'Enter the API key',
    'cashier.keyRefused': 'This API key is not valid or has been revoked.',
    'cashier.checkout': 'Checkout',
    'cashier.code': 'Voucher code',
    'cashier.orderAmount': 'Order amount (yuan)',
    'cashier.orderAmountShort': 'Order amount',
    'cashier.amountInvalid': 'Enter an amount, e.g. 200 or 199.50',
    'cashier.codeRequired': 'Type or scan the voucher code',
    'cashier.verify': 'Verify',
    'cashier.scan': 'Scan',
    'cashier.stopScan': 'Stop scanning',
    'cashier.camera': 'Camera view: hold the voucher’s QR code in front of the camera',
    'cashier.scanning': 'Hold the QR code in front of the camera…',
    'cashier.scanned': 'Read voucher code {code}',
    'cashier.noCamera': 'The camera cannot be used; please type the code.',
    'cashier.usable': '✔ This voucher can be used.',
    'cashier.notUsable': '✘ This voucher cannot be used: {reason}',
    'cashier.discount': 'Discount',
    'cashier.payable': 'Customer pays',
    'cashier.redeem': 'Redeem',
    'cashier.redeeming': 'Redeeming…',
    'cashier.retry': 'Retry (never redeems twice)',
    'cashier.cancel': 'Cancel',
    'cashier.redeemed': 'Redeemed: discount {discount}; collect {payable} from the customer.',
    'cashier.uncertain': '{reason} Press “Retry”: this checkout can never be redeemed twice.',
    'cashier.restored': 'Unfinished checkout restored (code {code}, amount {amount}).',
    'cashier.giveUp': 'This redemption may have gone through; check today’s list. Give it up?',
    'cashier.today': 'Today’s redemptions',
    'cashier.time': 'Time',
    'cashier.status': 'Status',
    'cashier.actions': 'Actions',
    'cashier.noRedemptions': 'No redemptions today yet.',
    'cashier.totals': 'Total: {count}',
    'cashier.reverse': 'Reverse',
    'cashier.reverseLabel': 'Reverse the redemption of code {code}',
    'cashier.reverseHeading': 'Reverse a redemption',
    'cashier.reverseSummary': 'Code {code}, order {order}, discount {discount}. The voucher goes back to the customer if still valid.',
    'cashier.reason': 'Reason',
    'cashier.reasonRequired': 'Say why it is reversed',
    'cashier.reverseConfirm': 'Reverse',
    'cashier.reversed': 'Reversed.',
    'cashier.close': 'Close',
    'cashier.refundSoon': 'Partial refunds are coming soon; for a full return, reverse.',
    'cashier.statements': 'Statements',
    'cashier.statement': 'Statement',
    'cashier.redemptionCount': 'Redemptions',
    'cashier.gross': 'Gross',
    'cashier.deductions': 'Deductions',
    'cashier.net': 'Net',
    'cashier.bankReference': 'Bank reference',
    'cashier.noStatements': 'No statements yet.',
    'redemption.active': 'Redeemed',
    'redemption.reversed': 'Reversed',
    'statement.pending': 'Pending',
    'statement.approved': 'Approved',
    'statement.held': 'Held',
    'statement.paid': 'Paid',
  },
});

const $ = (id) => document.getElementById(id);
const apiKey = () => sessionStorage.getItem(KEY_STORAGE);
const call = (path, options = {}) => api(path, { ...options, token: apiKey() });

// --- Signing in -----------------------------------------------------------------------------

function showTill(signedIn) {
  $('sign-in-panel').hidden = signedIn;
  $('till').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  clearFieldErrors(form);
  const key = form.elements.apiKey.value.trim();
  if (!key) return void showFieldError(form, 'apiKey', t('cashier.keyRequired'));
  try {
    // Any merchant-only read tells whether the key is accepted.
    await api('/redemptions?limit=1', { token: key });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    showFieldError(form, 'apiKey', error.code === 'UNAUTHENTICATED' ? t('cashier.keyRefused') : error.text);
    return;
  }
  sessionStorage.setItem(KEY_STORAGE, key);
  form.reset();
  await enterTill();
}

function signOut(message = '') {
  stopScan();
  sessionStorage.removeItem(KEY_STORAGE);
  say($('notice'), message, 'error');
  showTill(false);
  $('api-key').focus();
}

/** A refused key ends the session; anything else is shown where it happened. */
function handle(error, region) {
  if (!(error instanceof ApiError)) throw error;
  if (error.code === 'UNAUTHENTICATED') return signOut(t('cashier.keyRefused'));
  say(region, error.text, 'error');
}

async function enterTill() {
  say($('notice'), '');
  showTill(true);
  restoreAttempt();
  $('code').focus();
  await Promise.all([loadToday(), loadStatements()]);
}

// --- The checkout attempt -------------------------------------------------------------------

/** {key, code, orderAmount, discount, payable, sent} or null */
let attempt = JSON.parse(sessionStorage.getItem(ATTEMPT_STORAGE) ?? 'null');
let redeeming = false;

function saveAttempt(next) {
  attempt = next;
  if (next) sessionStorage.setItem(ATTEMPT_STORAGE, JSON.stringify(next));
  else sessionStorage.removeItem(ATTEMPT_STORAGE);
  renderAttempt();
}

function renderAttempt() {
  const sent = Boolean(attempt?.sent);
  $('code').readOnly = sent;
  $('order-amount').readOnly = sent;
  $('verify').disabled = sent;
  $('scan').disabled = sent;
  $('redeem').disabled = redeeming || !attempt;
  $('redeem').textContent = t(redeeming ? 'cashier.redeeming' : sent ? 'cashier.retry' : 'cashier.redeem');
  $('redeem').hidden = !attempt;
}

function showVerdict({ eligible, discount, payable, reasonText, orderAmount }) {
  $('result').hidden = false;
  $('result').dataset.eligible = String(eligible);
  $('verdict').textContent = eligible ? t('cashier.usable') : t('cashier.notUsable', { reason: reasonText });
  $('result-order').textContent = yuan(orderAmount);
  $('result-discount').textContent = yuan(discount);
  $('result-payable').textContent = yuan(payable);
}

function endAttempt() {
  saveAttempt(null);
  $('result').hidden = true;
}

/** What the form holds, checked here only for what a person can fix before asking the API. */
function readCheckout() {
  const form = $('checkout');
  clearFieldErrors(form);
  const code = form.elements.code.value.trim();
  const orderAmount = parseYuan(form.elements.orderAmount.value);
  if (!code) showFieldError(form, 'code', t('cashier.codeRequired'));
  if (orderAmount === null) showFieldError(form, 'orderAmount', t('cashier.amountInvalid'));
  return code && orderAmount !== null ? { code, orderAmount } : null;
}

async function verify(event) {
  event?.preventDefault();
  if (attempt?.sent) return;
  const input = readCheckout();
  if (!input) return;
  endAttempt();
  say($('checkout-message'), '');
  try {
    const result = (await call('/vouchers/verify', { method: 'POST', body: input })).body;
    const reasonText = result.eligible ? '' : codeText(result.reason);
    showVerdict({ ...result, reasonText, orderAmount: input.orderAmount });
    if (result.eligible) {
      saveAttempt({ key: crypto.randomUUID(), ...input, discount: result.discount, payable: result.payable, sent: false });
      $('redeem').focus();
    }
  } catch (error) {
    if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && showFieldErrors($('checkout'), error)) return;
    handle(error, $('checkout-message'));
  }
}

/**
 * Answers that leave the outcome unknown or undecided: the attempt stays and its retry sends
 * the same key. Any other refusal is final for this key, so the attempt is over.
 */
const UNCERTAIN = new Set(['TIMEOUT', 'NETWORK', 'SERVICE_UNAVAILABLE', 'IDEMPOTENCY_IN_PROGRESS', 'RATE_LIMITED']);

async function redeem() {
  if (!attempt || redeeming) return;
  redeeming = true;
  saveAttempt({ ...attempt, sent: true });
  say($('checkout-message'), '');
  const { key, code, orderAmount } = attempt;
  try {
    const redemption = (
      await call('/redemptions', {
        method: 'POST',
        body: { code, orderAmount },
        headers: { 'idempotency-key': key },
        timeoutMs: REDEEM_TIMEOUT_MS,
      })
    ).body;
    redeeming = false;
    endAttempt();
    $('checkout').reset();
    say($('checkout-message'), t('cashier.redeemed', { discount: yuan(redemption.discount), payable: yuan(redemption.payable) }), 'ok');
    $('code').focus();
    void loadToday();
  } catch (error) {
    redeeming = false;
    if (!(error instanceof ApiError)) throw error;
    if (UNCERTAIN.has(error.code)) {
      renderAttempt();
      say($('checkout-message'), t('cashier.uncertain', { reason: error.text }), 'error');
      $('redeem').focus();
      return;
    }
    endAttempt();
    handle(error, $('checkout-message'));
  }
}

function cancel() {
  if (attempt?.sent && !window.confirm(t('cashier.giveUp'))) return;
  endAttempt();
  say($('checkout-message'), '');
  $('code').focus();
}

/** After a reload: the attempt comes back as it was; one already sent is sent again (same key) to learn its outcome. */
function restoreAttempt() {
  renderAttempt();
  if (!attempt) return;
  $('code').value = attempt.code;
  $('order-amount').value = (attempt.orderAmount / 100).toFixed(2);
  showVerdict({ eligible: true, ...attempt });
  say($('checkout-message'), t('cashier.restored', { code: attempt.code, amount: yuan(attempt.orderAmount) }));
  if (attempt.sent) void redeem();
}

/** Changing the code or the amount starts another checkout: the verified one is over. */
function inputChanged() {
  if (attempt && !attempt.sent) endAttempt();
}

// --- Scanning ---------------------------------------------------------------------------------

let stream = null;
let scanTimer = null;

async function startScan() {
  say($('scan-status'), t('cashier.scanning'));
  $('scanner').hidden = false;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch {
    $('scanner').hidden = true;
    say($('checkout-message'), t('cashier.noCamera'), 'error');
    return;
  }
  const video = $('camera');
  video.srcObject = stream;
  await video.play();
  const detect = await decoder(video);
  const look = async () => {
    if (!stream) return;
    const code = await detect().catch(() => null);
    if (code) return void scanned(code);
    scanTimer = setTimeout(look, SCAN_INTERVAL_MS);
  };
  void look();
}

/** The browser's BarcodeDetector where it reads QR codes, else jsQR over canvas frames. */
async function decoder(video) {
  if ('BarcodeDetector' in window && (await BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
    const detector = new BarcodeDetector({ formats: ['qr_code'] });
    return async () => (await detector.detect(video))[0]?.rawValue ?? null;
  }
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  return async () => {
    if (!video.videoWidth) return null;
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    context.drawImage(video, 0, 0);
    const frame = context.getImageData(0, 0, canvas.width, canvas.height);
    return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: 'dontInvert' })?.data ?? null;
  };
}

function stopScan() {
  clearTimeout(scanTimer);
  for (const track of stream?.getTracks() ?? []) track.stop();
  stream = null;
  $('camera').srcObject = null;
  $('scanner').hidden = true;
}

function scanned(code) {
  stopScan();
  inputChanged();
  $('code').value = code;
  say($('checkout-message'), t('cashier.scanned', { code }), 'ok');
  if (parseYuan($('order-amount').value) === null) $('order-amount').focus();
  else void verify();
}

// --- Today's redemptions and reversing ------------------------------------------------------

let today = [];

function todayRange() {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { from: start.toISOString(), to: end.toISOString() };
}

async function loadToday() {
  const { from, to } = todayRange();
  try {
    today = (await call(`/redemptions?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=500`)).body.items;
    renderToday();
  } catch (error) {
    handle(error, $('today-status'));
  }
}

function renderToday() {
  const body = document.querySelector('#today tbody');
  body.replaceChildren(
    ...today.map((redemption) => {
      const reverse = el(
        'button',
        { type: 'button', class: 'secondary', 'aria-label': t('cashier.reverseLabel', { code: redemption.code }) },
        t('cashier.reverse'),
      );
      reverse.addEventListener('click', () => openReverse(redemption));
      return el(
        'tr',
        { dataset: { redemptionId: redemption.id } },
        el('td', {}, formatTime(redemption.redeemedAt)),
        el('td', { class: 'code' }, redemption.code),
        el('td', { class: 'money' }, yuan(redemption.orderAmount)),
        el('td', { class: 'money' }, yuan(redemption.discount)),
        el('td', { class: 'money' }, yuan(redemption.payable)),
        el('td', {}, el('span', { class: 'badge', dataset: { status: redemption.status } }, t(`redemption.${redemption.status}`))),
        el('td', {}, redemption.status === 'active' ? reverse : null),
      );
    }),
  );
  // Totals count what stands: a reversed redemption no longer counts.
  const standing = today.filter((redemption) => redemption.status === 'active');
  const sum = (field) => standing.reduce((total, redemption) => total + redemption[field], 0);
  $('today-count').textContent = t('cashier.totals', { count: standing.length });
  $('today-count').dataset.value = String(standing.length);
  $('today-order').textContent = yuan(sum('orderAmount'));
  $('today-discount').textContent = yuan(sum('discount'));
  $('today-payable').textContent = yuan(sum('payable'));
  say($('today-status'), today.length === 0 ? t('cashier.noRedemptions') : '');
}

/** The reversal being confirmed, with its own Idempotency-Key for as long as the dialog is open. */
let reversal = null;

function openReverse(redemption) {
  reversal = { redemption, key: crypto.randomUUID() };
  const form = $('reverse');
  form.reset();
  clearFieldErrors(form);
  say($('reverse-message'), '');
  $('reverse-confirm').disabled = false;
  $('reverse-summary').textContent = t('cashier.reverseSummary', {
    code: redemption.code,
    order: yuan(redemption.orderAmount),
    discount: yuan(redemption.discount),
  });
  $('reverse-dialog').showModal();
  $('reverse-reason').focus();
}

async function confirmReverse(event) {
  event.preventDefault();
  const form = $('reverse');
  clearFieldErrors(form);
  const reason = form.elements.reason.value.trim();
  if (!reason) return void showFieldError(form, 'reason', t('cashier.reasonRequired'));
  if (!reversal) return;
  $('reverse-confirm').disabled = true;
  try {
    await call(`/redemptions/${reversal.redemption.id}/reverse`, {
      method: 'POST',
      body: { reason },
      headers: { 'idempotency-key': reversal.key },
      timeoutMs: REDEEM_TIMEOUT_MS,
    });
    say($('reverse-message'), t('cashier.reversed'), 'ok');
    reversal = null;
    void loadToday();
  } catch (error) {
    $('reverse-confirm').disabled = false;
    if (error instanceof ApiError && error.code === 'VALIDATION_FAILED' && showFieldErrors(form, error)) return;
    handle(error, $('reverse-message'));
  }
}

// --- Statements -------------------------------------------------------------------------------

let statements = [];

async function loadStatements() {
  try {
    statements = (await call('/settlements/statements?limit=50')).body.items;
    renderStatements();
  } catch (error) {
    handle(error, $('statements-status'));
  }
}

function renderStatements() {
  document
    .querySelector('#statements tbody')
    .replaceChildren(
      ...statements.map((statement) =>
        el(
          'tr',
          {},
          el('td', { class: 'code' }, statement.id.slice(0, 8)),
          el('td', { class: 'money' }, String(statement.redemptionCount)),
          el('td', { class: 'money' }, yuan(statement.gross)),
          el('td', { class: 'money' }, yuan(statement.deductions)),
          el('td', { class: 'money' }, yuan(statement.net)),
          el('td', {}, el('span', { class: 'badge', dataset: { status: statement.status } }, t(`statement.${statement.status}`))),
          el('td', {}, statement.bankReference ?? '—'),
        ),
      ),
    );
  say($('statements-status'), statements.length === 0 ? t('cashier.noStatements') : '');
}

// --- Wiring -----------------------------------------------------------------------------------

$('sign-in').addEventListener('submit', (event) => void signIn(event));
$('sign-out').addEventListener('click', () => {
  endAttempt();
  signOut();
});
$('checkout').addEventListener('submit', (event) => void verify(event));
$('code').addEventListener('input', inputChanged);
$('order-amount').addEventListener('input', inputChanged);
$('redeem').addEventListener('click', () => void redeem());
$('cancel').addEventListener('click', cancel);
$('scan').addEventListener('click', () => void startScan());
$('stop-scan').addEventListener('click', stopScan);
$('reverse').addEventListener('submit', (event) => void confirmReverse(event));
$('reverse-close').addEventListener('click', () => {
  reversal = null;
  $('reverse-dialog').close();
});
onLanguageChange(() => {
  renderAttempt();
  if (!$('till').hidden) {
    renderToday();
    renderStatements();
  }
});

if (apiKey()) void enterTill();
else showTill(false);
