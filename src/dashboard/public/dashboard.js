// The bureau dashboard: signs in through the API, then reads the bureau-only statistics
// with the token and draws them with ECharts (served by this app). Refreshes by itself.
'use strict';
(function () {
  const TOKEN_KEY = 'juhui.dashboard.token';
  const params = new URLSearchParams(location.search);
  const REFRESH_MS = Math.max(2, Number(params.get('refresh')) || 15) * 1000;
  const $ = (id) => document.getElementById(id);
  const charts = {};
  let timer;

  const FIGURES = [
    ['budget', '预算', 'Budget', 'money'],
    ['allocated', '已投放', 'Allocated', 'money'],
    ['claimed', '已领取（张）', 'Claimed (vouchers)', 'count'],
    ['claimedValue', '领取面值', 'Claimed value', 'money'],
    ['redeemed', '已核销（张）', 'Redeemed (vouchers)', 'count'],
    ['subsidy', '财政补贴', 'Subsidy', 'money'],
    ['salesDriven', '带动消费', 'Sales driven', 'money'],
    ['leverage', '撬动比', 'Leverage', 'ratio'],
    ['redemptionRate', '核销率', 'Redemption rate', 'percent'],
    ['remaining', '剩余可领（张）', 'Left to claim', 'count'],
    ['settled', '已结算', 'Settled', 'money'],
    ['paid', '已支付', 'Paid', 'money'],
  ];

  // Money arrives as integer fen; shown as yuan with integer arithmetic (no float rounding).
  function yuan(fen) {
    const sign = fen < 0 ? '-' : '';
    const abs = Math.abs(fen);
    return `${sign}¥${Math.trunc(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
  }
  function format(value, kind) {
    if (value === null || value === undefined) return '—';
    switch (kind) {
      case 'money':
        return yuan(value);
      case 'count':
        return value.toLocaleString('en-US');
      case 'ratio':
        return `${value.toFixed(2)}×`;
      case 'percent':
        return `${(value * 100).toFixed(1)}%`;
    }
    return String(value);
  }
  const toYuan = (fen) => fen / 100; // chart scales only

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path) {
    const response = await fetch(`/api/v1${path}`, { headers: { authorization: `Bearer ${token()}` } });
    if (response.status === 401 || response.status === 403) {
      signOut('登录已失效，请重新登录 · Session expired, please sign in again');
      throw new Error('signed out');
    }
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    return response.json();
  }

  function show(signedIn) {
    $('login-panel').hidden = signedIn;
    $('dashboard').hidden = !signedIn;
    $('session').hidden = !signedIn;
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    clearTimeout(timer);
    $('login-error').textContent = message || '';
    show(false);
  }

  // The sign-out button ends the session on the server (the queue board's cookie names the
  // same session, so it stops working too), then forgets the token here.
  async function logOut() {
    const current = token();
    if (current) {
      await fetch('/api/v1/auth/logout', { method: 'POST', headers: { authorization: `Bearer ${current}` } }).catch(() => undefined);
    }
    signOut();
  }

  async function signIn(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    $('login-error').textContent = '';
    const response = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
    });
    if (response.status !== 200) {
      $('login-error').textContent =
        response.status === 429 ? '尝试过多，请稍后 · Too many attempts, try later' : '用户名或密码错误 · Wrong username or password';
      return;
    }
    sessionStorage.setItem(TOKEN_KEY, (await response.json()).accessToken);
    event.target.reset();
    start();
  }

  function renderFigures(figures) {
    $('figures').replaceChildren(
      ...FIGURES.map(([key, zh, en, kind]) => {
        const card = document.createElement('div');
        card.className = 'card';
        card.dataset.figure = key;
        card.dataset.value = figures[key] === null ? 'null' : String(figures[key]);
        const label = document.createElement('div');
        label.className = 'label';
        label.textContent = `${zh} · ${en}`;
        const value = document.createElement('div');
        value.className = 'value';
        value.textContent = format(figures[key], kind);
        card.append(label, value);
        return card;
      }),
    );
  }

  function chart(id) {
    charts[id] ??= echarts.init($(id));
    return charts[id];
  }

  const moneyAxis = { type: 'value', name: '元 yuan', axisLabel: { formatter: (v) => v.toLocaleString('en-US') } };

  function renderDaily(byDay) {
    chart('chart-daily').setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0, data: ['领取 Claims', '核销 Redemptions', '补贴 Subsidy (元)'] },
        grid: { top: 56, left: 60, right: 70, bottom: 30 },
        xAxis: { type: 'category', data: byDay.map((d) => d.date) },
        yAxis: [
          { type: 'value', name: '张 vouchers' },
          { ...moneyAxis, position: 'right' },
        ],
        series: [
          { name: '领取 Claims', type: 'bar', data: byDay.map((d) => d.claimed) },
          { name: '核销 Redemptions', type: 'bar', data: byDay.map((d) => d.redeemed) },
          { name: '补贴 Subsidy (元)', type: 'line', yAxisIndex: 1, data: byDay.map((d) => toYuan(d.subsidy)) },
        ],
      },
      true,
    );
  }

  function renderBurn(byDay, figures) {
    let claimed = 0;
    let subsidy = 0;
    const claimedLine = [];
    const subsidyLine = [];
    for (const day of byDay) {
      claimed += day.claimedValue;
      subsidy += day.subsidy;
      claimedLine.push(toYuan(claimed));
      subsidyLine.push(toYuan(subsidy));
    }
    chart('chart-burn').setOption(
      {
        tooltip: { trigger: 'axis' },
        legend: { top: 0, data: ['已领面值 Claimed value', '已用补贴 Subsidy used'] },
        grid: { top: 64, left: 80, right: 30, bottom: 30 },
        xAxis: { type: 'category', data: byDay.map((d) => d.date) },
        // Scaled to what the rounds allocated (a budget far above it would flatten the lines);
        // the budget itself is stated above the chart.
        title: {
          text: `预算 Budget ${yuan(figures.budget)} · 已投放 Allocated ${yuan(figures.allocated)}`,
          right: 10,
          top: 22,
          textStyle: { fontSize: 12, fontWeight: 'normal' },
        },
        yAxis: { ...moneyAxis, max: (range) => Math.ceil(Math.max(range.max, toYuan(figures.allocated)) * 1.1) },
        series: [
          { name: '已领面值 Claimed value', type: 'line', data: claimedLine, areaStyle: { opacity: 0.1 } },
          {
            name: '已用补贴 Subsidy used',
            type: 'line',
            data: subsidyLine,
            areaStyle: { opacity: 0.2 },
            markLine: {
              symbol: 'none',
              data: [
                ...(figures.budget <= figures.allocated * 1.5
                  ? [{ yAxis: toYuan(figures.budget), name: '预算 Budget', label: { formatter: '预算 Budget', position: 'insideEndTop' } }]
                  : []),
                {
                  yAxis: toYuan(figures.allocated),
                  name: '已投放 Allocated',
                  label: { formatter: '已投放 Allocated', position: 'insideEndTop' },
                },
              ],
            },
          },
        ],
      },
      true,
    );
  }

  function renderStock(rows) {
    chart('chart-stock').setOption(
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { top: 0, data: ['已领取 Claimed', '剩余 Remaining'] },
        grid: { top: 56, left: 60, right: 30, bottom: 50 },
        xAxis: { type: 'category', data: rows.map((r) => r.name), axisLabel: { interval: 0, rotate: rows.length > 4 ? 20 : 0 } },
        yAxis: { type: 'value', name: '张 vouchers' },
        series: [
          { name: '已领取 Claimed', type: 'bar', stack: 'stock', data: rows.map((r) => r.claimed) },
          { name: '剩余 Remaining', type: 'bar', stack: 'stock', data: rows.map((r) => r.remaining) },
        ],
      },
      true,
    );
  }

  function renderMerchants(merchants) {
    const rows = [...merchants].reverse();
    chart('chart-merchants').setOption(
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { top: 0, data: ['补贴 Subsidy', '带动消费 Sales driven'] },
        grid: { top: 56, left: 140, right: 40, bottom: 30 },
        xAxis: moneyAxis,
        yAxis: { type: 'category', data: rows.map((m) => m.name) },
        series: [
          { name: '补贴 Subsidy', type: 'bar', data: rows.map((m) => toYuan(m.subsidy)) },
          { name: '带动消费 Sales driven', type: 'bar', data: rows.map((m) => toYuan(m.salesDriven)) },
        ],
      },
      true,
    );
  }

  function renderCampaigns(campaigns) {
    const series = [
      ['budget', '预算 Budget'],
      ['allocated', '已投放 Allocated'],
      ['claimedValue', '已领面值 Claimed value'],
      ['subsidy', '补贴 Subsidy'],
      ['salesDriven', '带动消费 Sales driven'],
    ];
    chart('chart-campaigns').setOption(
      {
        tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        legend: { top: 0, data: series.map(([, label]) => label) },
        grid: { top: 56, left: 80, right: 30, bottom: 50 },
        xAxis: { type: 'category', data: campaigns.map((c) => c.name), axisLabel: { interval: 0, rotate: campaigns.length > 3 ? 20 : 0 } },
        yAxis: moneyAxis,
        series: series.map(([key, label]) => ({ name: label, type: 'bar', data: campaigns.map((c) => toYuan(c[key])) })),
      },
      true,
    );
  }

  function fillCampaigns(campaigns) {
    const select = $('campaign');
    const chosen = select.value;
    select.replaceChildren(select.options[0], ...campaigns.map((c) => new Option(`${c.name}（${c.theme}）`, c.id)));
    select.value = campaigns.some((c) => c.id === chosen) ? chosen : '';
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const overview = await api('/stats/overview');
      fillCampaigns(overview.campaigns);
      const campaignId = $('campaign').value;
      const overall = !campaignId;
      $('campaigns-figure').hidden = !overall;
      if (overall) {
        $('scope-title').textContent = '全部活动 · All campaigns';
        $('stock-caption').textContent = '各活动剩余可领 · Left to claim per campaign';
        renderFigures(overview.total);
        renderDaily(overview.byDay);
        renderBurn(overview.byDay, overview.total);
        renderStock(overview.campaigns);
        renderMerchants(overview.topMerchants);
        renderCampaigns(overview.campaigns);
      } else {
        const stats = await api(`/stats/campaigns/${encodeURIComponent(campaignId)}`);
        $('scope-title').textContent = `${stats.name} · ${stats.theme}`;
        $('stock-caption').textContent = '各期剩余库存 · Remaining stock per round';
        renderFigures(stats);
        renderDaily(stats.byDay);
        renderBurn(stats.byDay, stats);
        renderStock(stats.byRound);
        renderMerchants(stats.topMerchants);
      }
      $('error').textContent = '';
      $('updated').textContent = `更新于 Updated ${new Date().toLocaleTimeString('zh-CN', { hour12: false })} · ${overview.timeZone}`;
      document.body.dataset.refreshedAt = overview.generatedAt;
    } catch (error) {
      if (!token()) return;
      $('error').textContent = `数据加载失败 · Could not load: ${error.message}`;
    }
    if (token()) timer = setTimeout(refresh, REFRESH_MS);
  }

  function start() {
    show(true);
    void refresh();
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (event) => void signIn(event));
    $('logout').addEventListener('click', () => void logOut());
    $('campaign').addEventListener('change', () => void refresh());
    window.addEventListener('resize', () => Object.values(charts).forEach((c) => c.resize()));
    if (token()) start();
    else show(false);
  });
})();
