// What the wallet and the cashier page share: the language switch (Chinese first, English
// second, remembered), the one way to call the JSON API and turn its {code, message} errors
// into plain words, yuan from integer fen, and form errors shown beside their fields.
// Every rule stays in the API; these pages only show what it answers.

const LANGUAGE_KEY = 'juhui.lang';
const LANGUAGES = ['zh-CN', 'en'];

const COMMON = {
  'zh-CN': {
    'language.other': 'English',
    'language.switch': '切换到英文',
    'theme.autos': '汽车',
    'theme.appliances': '家电',
    'theme.catering': '餐饮住宿零售',
    'theme.farm-goods': '农产品',
    'theme.new-year-goods': '年货',
    'error.UNAUTHENTICATED': '身份验证失败或已过期，请重新登录。',
    'error.FORBIDDEN': '您没有权限进行此操作。',
    'error.NOT_FOUND': '找不到该项目，请检查后重试。',
    'error.VALIDATION_FAILED': '填写的内容有误，请检查标出的项目。',
    'error.ALREADY_CLAIMED': '您已领满本期的限额，不能再领取。',
    'error.ROUND_NOT_OPEN': '本期现在不在领取时间内。',
    'error.SOLD_OUT': '这种券已经领完了。',
    'error.VOUCHER_ALREADY_REDEEMED': '这张券已经使用过了。',
    'error.IDEMPOTENCY_IN_PROGRESS': '上一次请求仍在处理中，请稍候再试。',
    'error.IDEMPOTENCY_KEY_REUSED': '这笔交易的内容已改变，请重新验证。',
    'error.MIN_SPEND_NOT_MET': '订单金额未达到这张券的最低消费。',
    'error.VOUCHER_NOT_VALID_YET': '这张券还没到可用日期。',
    'error.VOUCHER_EXPIRED': '这张券已过期。',
    'error.MERCHANT_NOT_ELIGIBLE': '本店不能受理这张券（主题不符或商户已暂停）。',
    'error.REVERSAL_NOT_ALLOWED': '这笔核销不能撤销（已撤销或已超过撤销时限）。',
    'error.INVALID_STATE': '当前状态不允许此操作。',
    'error.RATE_LIMITED': '操作太频繁，请 {seconds} 秒后再试。',
    'error.SERVICE_UNAVAILABLE': '服务暂时不可用，什么都没有改变。请稍后再试。',
    'error.TIMEOUT': '服务器没有及时回应，结果未知。',
    'error.NETWORK': '无法连接服务器，请检查网络后再试。',
    'error.UNKNOWN': '出现了意外问题，请稍后再试。',
    'error.field': '请检查此项',
  },
  en: {
    'language.other': '中文',
    'language.switch': 'Switch to Chinese',
    'theme.autos': 'Cars',
    'theme.appliances': 'Home appliances',
    'theme.catering': 'Retail, lodging and catering',
    'theme.farm-goods': 'Farm goods',
    'theme.new-year-goods': 'New Year goods',
    'error.UNAUTHENTICATED': 'Your sign-in was not accepted or has expired. Please sign in again.',
    'error.FORBIDDEN': 'You are not allowed to do this.',
    'error.NOT_FOUND': 'Not found. Please check and try again.',
    'error.VALIDATION_FAILED': 'Something is not filled in correctly: see the marked fields.',
    'error.ALREADY_CLAIMED': 'You have reached this round’s limit and cannot claim more.',
    'error.ROUND_NOT_OPEN': 'This round is not open for claims right now.',
    'error.SOLD_OUT': 'These vouchers are all gone.',
    'error.VOUCHER_ALREADY_REDEEMED': 'This voucher has already been used.',
    'error.IDEMPOTENCY_IN_PROGRESS': 'The previous request is still being processed. Try again in a moment.',
    'error.IDEMPOTENCY_KEY_REUSED': 'This checkout changed. Please verify it again.',
    'error.MIN_SPEND_NOT_MET': 'The order is below this voucher’s minimum spend.',
    'error.VOUCHER_NOT_VALID_YET': 'This voucher cannot be used yet.',
    'error.VOUCHER_EXPIRED': 'This voucher has expired.',
    'error.MERCHANT_NOT_ELIGIBLE': 'This shop cannot accept this voucher (another theme, or the shop is suspended).',
    'error.REVERSAL_NOT_ALLOWED': 'This redemption cannot be reversed (already reversed, or too late).',
    'error.INVALID_STATE': 'This cannot be done in the current state.',
    'error.RATE_LIMITED': 'Too many attempts. Please try again in {seconds} seconds.',
    'error.SERVICE_UNAVAILABLE': 'The service is unavailable for the moment; nothing was changed. Please try again later.',
    'error.TIMEOUT': 'The server did not answer in time; the outcome is unknown.',
    'error.NETWORK': 'Cannot reach the server. Check the connection and try again.',
    'error.UNKNOWN': 'Something unexpected went wrong. Please try again later.',
    'error.field': 'Please check this field',
  },
};

let messages = COMMON;
let language = LANGUAGES.includes(localStorage.getItem(LANGUAGE_KEY)) ? localStorage.getItem(LANGUAGE_KEY) : LANGUAGES[0];
const languageListeners = [];

/** The message for `key` in the current language (English, then the key, if missing), with {name} filled in. */
export function t(key, params = {}) {
  const text = messages[language][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

export function currentLanguage() {
  return language;
}

/** Re-renders what the page drew itself when the language changes. */
export function onLanguageChange(listener) {
  languageListeners.push(listener);
}

function applyLanguage() {
  document.documentElement.lang = language;
  for (const element of document.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of document.querySelectorAll('[data-i18n-aria-label]'))
    element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel));
  const button = document.getElementById('language');
  if (button) {
    button.textContent = t('language.other');
    button.setAttribute('aria-label', t('language.switch'));
    button.lang = language === 'en' ? 'zh-CN' : 'en';
  }
  for (const listener of languageListeners) listener();
}

/** Merges the page's own messages, wires the language button and translates the static text. */
export function setUpPage(pageMessages) {
  messages = Object.fromEntries(LANGUAGES.map((lang) => [lang, { ...COMMON[lang], ...pageMessages[lang] }]));
  document.getElementById('language')?.addEventListener('click', () => {
    language = language === 'en' ? 'zh-CN' : 'en';
    localStorage.setItem(LANGUAGE_KEY, language);
    applyLanguage();
  });
  applyLanguage();
}

/** Yuan from integer fen with integer arithmetic (no float rounding): 12345 → ¥123.45. */
export function yuan(fen) {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}¥${Math.trunc(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}

/** Fen from what a person types in yuan ("200", "200.5", "200.50"); null when it is not an amount. */
export function parseYuan(text) {
  const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

export function formatTime(iso) {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatDate(iso) {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(new Date(iso));
}

export function themeName(theme) {
  return t(`theme.${theme}`);
}

/** An answer the API refused, or no answer at all (TIMEOUT, NETWORK); `message` is in plain words. */
export class ApiError extends Error {
  constructor(status, code, details, retryAfter) {
    super(code);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }

  /** The plain-words message, in the language shown now. */
  get text() {
    return codeText(this.status >= 500 && !hasText(this.code) ? 'SERVICE_UNAVAILABLE' : this.code, this.retryAfter);
  }
}

const hasText = (code) => messages.en[`error.${code}`] !== undefined;

/** Plain words for one of the API's error codes (a refusal, or a verify result's `reason`). */
export function codeText(code, retryAfterSeconds = 1) {
  return t(hasText(code) ? `error.${code}` : 'error.UNKNOWN', { seconds: retryAfterSeconds });
}

/**
 * Calls the JSON API: `{status, body, headers}` for a 2xx answer, an ApiError otherwise.
 * `token` goes in the Authorization header (never in a URL). After `timeoutMs` the call is
 * abandoned as TIMEOUT: whether the server did it is then unknown, which callers that
 * change money handle by retrying with the same Idempotency-Key.
 */
export async function api(path, { method = 'GET', body, token, headers = {}, timeoutMs = 15000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, controller.signal.aborted ? 'TIMEOUT' : 'NETWORK');
  } finally {
    clearTimeout(timer);
  }
  const payload = await response.json().catch(() => undefined);
  if (response.ok) return { status: response.status, body: payload, headers: response.headers };
  const retryAfter = Number(response.headers.get('retry-after')) || undefined;
  const code = typeof payload?.code === 'string' ? payload.code : response.status >= 500 ? 'SERVICE_UNAVAILABLE' : 'UNKNOWN';
  throw new ApiError(response.status, code, payload?.details, retryAfter);
}

/** Builds an element; children are nodes or text (never parsed as HTML). */
export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return element;
}

/** Shows a message in a live region (`kind`: ok, error or info), so a screen reader reads it. */
export function say(region, text, kind = 'info') {
  region.textContent = text;
  region.dataset.kind = kind;
  region.hidden = !text;
}

export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** Puts a field's problem beside it, by the field name in the API's VALIDATION_FAILED details. */
export function showFieldError(form, field, text) {
  const slot = form.querySelector(`[data-error-for="${CSS.escape(field)}"]`);
  const input = form.elements.namedItem(field);
  if (!slot) return false;
  slot.textContent = text;
  input?.setAttribute('aria-invalid', 'true');
  return true;
}

/** Shows each of the API's field problems beside its field; true when every one found its place. */
export function showFieldErrors(form, error) {
  clearFieldErrors(form);
  const details = Array.isArray(error.details) ? error.details : [];
  return (
    details.length > 0 &&
    details.every((detail) => showFieldError(form, detail.field, `${t('error.field')}: ${(detail.problems ?? []).join('; ')}`))
  );
}
