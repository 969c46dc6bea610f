import type { Theme } from '../common/domain/themes';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const yuan = (amount: number): number => amount * 100;

export interface DemoRound {
  name: string;
  /** Offsets from "now" at seeding time, in milliseconds. */
  opensIn: number;
  closesIn: number;
  validFor: number;
  perResidentLimit: number;
  denominations: Array<{ faceValue: number; minSpend: number; quantity: number }>;
}

export interface DemoCampaign {
  name: string;
  theme: Theme;
  description: string;
  budget: number;
  rounds: DemoRound[];
}

const past = (name: string, denominations: DemoRound['denominations']): DemoRound => ({
  name,
  opensIn: -10 * DAY,
  closesIn: -3 * DAY,
  validFor: 40 * DAY,
  perResidentLimit: 1,
  denominations,
});
const openNow = (name: string, denominations: DemoRound['denominations']): DemoRound => ({
  name,
  opensIn: -1 * HOUR,
  closesIn: 3 * DAY,
  validFor: 30 * DAY,
  perResidentLimit: 1,
  denominations,
});
const upcoming = (name: string, denominations: DemoRound['denominations']): DemoRound => ({
  name,
  opensIn: 10 * 60_000,
  closesIn: 7 * DAY,
  validFor: 30 * DAY,
  perResidentLimit: 1,
  denominations,
});

/**
 * The town programme from the spec: 3.8 million yuan planned over five themes, 8 rounds of
 * vouchers worth 1.2 million yuan in all, with past, open and upcoming claim windows.
 */
export const DEMO_PROGRAMME: DemoCampaign[] = [
  {
    name: '汽车消费券 Auto purchase vouchers',
    theme: 'autos',
    description: '购车补贴 — subsidy for buying a car from a participating dealer',
    budget: yuan(1_200_000),
    rounds: [
      past('第一期 Round 1', [
        { faceValue: yuan(3000), minSpend: yuan(100_000), quantity: 50 },
        { faceValue: yuan(1000), minSpend: yuan(30_000), quantity: 150 },
      ]),
      upcoming('第五期 Round 5', [
        { faceValue: yuan(3000), minSpend: yuan(100_000), quantity: 50 },
        { faceValue: yuan(1000), minSpend: yuan(30_000), quantity: 150 },
      ]),
    ],
  },
  {
    name: '批零住餐消费券 Retail, lodging and catering vouchers',
    theme: 'catering',
    description: '批发、零售、住宿、餐饮 — wholesale, retail, lodging and catering',
    budget: yuan(1_000_000),
    rounds: [
      past('第二期 Round 2', [
        { faceValue: yuan(50), minSpend: yuan(200), quantity: 1000 },
        { faceValue: yuan(20), minSpend: yuan(100), quantity: 2500 },
      ]),
      openNow('第六期 Round 6', [
        { faceValue: yuan(50), minSpend: yuan(200), quantity: 1000 },
        { faceValue: yuan(20), minSpend: yuan(100), quantity: 2500 },
      ]),
    ],
  },
  {
    name: '家电消费券 Home appliance vouchers',
    theme: 'appliances',
    description: '家电以旧换新 — home appliances',
    budget: yuan(800_000),
    rounds: [
      past('第三期 Round 3', [
        { faceValue: yuan(500), minSpend: yuan(3000), quantity: 200 },
        { faceValue: yuan(200), minSpend: yuan(1000), quantity: 250 },
      ]),
      upcoming('第七期 Round 7', [
        { faceValue: yuan(500), minSpend: yuan(3000), quantity: 200 },
        { faceValue: yuan(200), minSpend: yuan(1000), quantity: 250 },
      ]),
    ],
  },
  {
    name: '农产品消费券 Farm goods vouchers',
    theme: 'farm-goods',
    description: '本地农产品 — local farm produce',
    budget: yuan(400_000),
    rounds: [
      openNow('第四期 Round 4', [
        { faceValue: yuan(30), minSpend: yuan(100), quantity: 1000 },
        { faceValue: yuan(10), minSpend: yuan(50), quantity: 2000 },
      ]),
    ],
  },
  {
    name: '年货消费券 New Year goods vouchers',
    theme: 'new-year-goods',
    description: '本地特产与年货 — local specialities and New Year goods',
    budget: yuan(400_000),
    rounds: [
      openNow('第八期 Round 8', [
        { faceValue: yuan(50), minSpend: yuan(200), quantity: 500 },
        { faceValue: yuan(20), minSpend: yuan(100), quantity: 1250 },
      ]),
    ],
  },
];

const MERCHANT_NAMES: Record<Theme, string[]> = {
  autos: ['聚惠汽车城', '城东丰田4S店', '新能源汽车体验中心', '河畔比亚迪专营店', '远航二手车市场', '吉祥汽车销售服务'],
  appliances: ['苏宁易购城南店', '国美电器中心店', '海尔专卖店', '格力空调旗舰店', '美的智慧家居馆', '老街家电商场'],
  catering: ['聚福楼酒家', '江南小馆', '万达广场购物中心', '百货大楼', '锦江之星酒店', '老王面馆', '华联超市'],
  'farm-goods': ['绿源农贸市场', '山里人家土特产', '丰收果蔬合作社', '稻香米业', '渔港水产批发'],
  'new-year-goods': ['老字号年货大街', '红红火火年货铺', '福满堂糕点', '乡味腊味坊', '喜庆礼品商城', '非遗手作馆'],
};
const BANKS = ['中国工商银行', '中国农业银行', '中国建设银行', '中国银行', '本地农商银行'];

export function demoMerchants(): Array<{ name: string; themes: Theme[]; bankName: string; accountName: string; accountNumber: string }> {
  const merchants = Object.entries(MERCHANT_NAMES).flatMap(([theme, names]) => names.map((name) => ({ name, themes: [theme as Theme] })));
  // Shopping centres and supermarkets take part in more than one theme.
  for (const m of merchants) {
    if (/购物中心|百货|超市/.test(m.name)) m.themes.push('farm-goods', 'new-year-goods');
  }
  return merchants.map((m, i) => ({
    ...m,
    bankName: BANKS[i % BANKS.length] ?? BANKS[0],
    accountName: m.name,
    accountNumber: `62220210${String(10_000_000 + i * 7919).padStart(11, '0')}`,
  }));
}
