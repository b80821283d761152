// The region and zone catalogue of Alibaba Cloud as SLB knows it. Names in the three languages
// DescribeRegions/DescribeZones accept (AcceptLanguage zh-CN — the default —, en-US, ja).
// Master/slave zone pairs follow the real pattern: any two distinct zones of a region that is
// marked multi-zone; single-zone regions offer a master zone only.

export interface ZoneInfo {
  ZoneId: string;
  zh: string;
  en: string;
  ja: string;
}
export interface RegionInfo {
  RegionId: string;
  zh: string;
  en: string;
  ja: string;
  endpoint: string;
  zones: ZoneInfo[];
  /** false for regions Alibaba Cloud has closed to new SLB instances */
  slbSupported: boolean;
  vpcOnly?: boolean;
}

const CENTRAL = new Set(['cn-qingdao', 'cn-beijing', 'cn-hangzhou', 'cn-shanghai', 'cn-shenzhen', 'cn-hongkong', 'ap-southeast-1', 'us-west-1', 'us-east-1']);

function region(id: string, zh: string, en: string, ja: string, cityZh: string, cityEn: string, letters: string, opts: Partial<RegionInfo> = {}): RegionInfo {
  const upper = (l: string) => l.toUpperCase();
  return {
    RegionId: id,
    zh,
    en,
    ja,
    endpoint: CENTRAL.has(id) ? 'slb.aliyuncs.com' : `slb.${id}.aliyuncs.com`,
    zones: [...letters].map((l) => ({
      ZoneId: `${id}-${l}`,
      zh: `${cityZh} 可用区 ${upper(l)}`,
      en: `${cityEn} Zone ${upper(l)}`,
      ja: `${cityEn} ゾーン ${upper(l)}`,
    })),
    slbSupported: true,
    ...opts,
  };
}

export const REGIONS: RegionInfo[] = [
  region('cn-qingdao', '华北1（青岛）', 'China (Qingdao)', '中国 (青島)', '青岛', 'Qingdao', 'bc'),
  region('cn-beijing', '华北2（北京）', 'China (Beijing)', '中国 (北京)', '北京', 'Beijing', 'acdefghijkl'),
  region('cn-zhangjiakou', '华北3（张家口）', 'China (Zhangjiakou)', '中国 (張家口)', '张家口', 'Zhangjiakou', 'abc'),
  region('cn-huhehaote', '华北5（呼和浩特）', 'China (Hohhot)', '中国 (フフホト)', '呼和浩特', 'Hohhot', 'ab'),
  region('cn-wulanchabu', '华北6（乌兰察布）', 'China (Ulanqab)', '中国 (ウランチャブ)', '乌兰察布', 'Ulanqab', 'abc'),
  region('cn-hangzhou', '华东1（杭州）', 'China (Hangzhou)', '中国 (杭州)', '杭州', 'Hangzhou', 'bghijk'),
  region('cn-shanghai', '华东2（上海）', 'China (Shanghai)', '中国 (上海)', '上海', 'Shanghai', 'abefglmn'),
  region('cn-nanjing', '华东5（南京-本地地域）', 'China (Nanjing - Local Region)', '中国 (南京 - ローカルリージョン)', '南京', 'Nanjing', 'a'),
  region('cn-fuzhou', '华东6（福州-本地地域）', 'China (Fuzhou - Local Region)', '中国 (福州 - ローカルリージョン)', '福州', 'Fuzhou', 'a'),
  region('cn-shenzhen', '华南1（深圳）', 'China (Shenzhen)', '中国 (深セン)', '深圳', 'Shenzhen', 'acdef'),
  region('cn-heyuan', '华南2（河源）', 'China (Heyuan)', '中国 (河源)', '河源', 'Heyuan', 'ab'),
  region('cn-guangzhou', '华南3（广州）', 'China (Guangzhou)', '中国 (広州)', '广州', 'Guangzhou', 'ab'),
  region('cn-chengdu', '西南1（成都）', 'China (Chengdu)', '中国 (成都)', '成都', 'Chengdu', 'ab'),
  region('cn-hongkong', '中国香港', 'China (Hong Kong)', '中国 (香港)', '香港', 'Hong Kong', 'bcd'),
  region('ap-northeast-1', '日本（东京）', 'Japan (Tokyo)', '日本 (東京)', '东京', 'Tokyo', 'abc'),
  region('ap-northeast-2', '韩国（首尔）', 'South Korea (Seoul)', '韓国 (ソウル)', '首尔', 'Seoul', 'a'),
  region('ap-southeast-1', '新加坡', 'Singapore', 'シンガポール', '新加坡', 'Singapore', 'abc'),
  region('ap-southeast-2', '澳大利亚（悉尼）', 'Australia (Sydney)', 'オーストラリア (シドニー)', '悉尼', 'Sydney', 'ab', { slbSupported: false }),
  region('ap-southeast-3', '马来西亚（吉隆坡）', 'Malaysia (Kuala Lumpur)', 'マレーシア (クアラルンプール)', '吉隆坡', 'Kuala Lumpur', 'ab'),
  region('ap-southeast-5', '印度尼西亚（雅加达）', 'Indonesia (Jakarta)', 'インドネシア (ジャカルタ)', '雅加达', 'Jakarta', 'abc'),
  region('ap-southeast-6', '菲律宾（马尼拉）', 'Philippines (Manila)', 'フィリピン (マニラ)', '马尼拉', 'Manila', 'a'),
  region('ap-southeast-7', '泰国（曼谷）', 'Thailand (Bangkok)', 'タイ (バンコク)', '曼谷', 'Bangkok', 'a'),
  region('ap-south-1', '印度（孟买）', 'India (Mumbai)', 'インド (ムンバイ)', '孟买', 'Mumbai', 'ab', { slbSupported: false }),
  region('us-west-1', '美国（硅谷）', 'US (Silicon Valley)', '米国 (シリコンバレー)', '硅谷', 'Silicon Valley', 'ab'),
  region('us-east-1', '美国（弗吉尼亚）', 'US (Virginia)', '米国 (バージニア)', '弗吉尼亚', 'Virginia', 'ab'),
  region('eu-central-1', '德国（法兰克福）', 'Germany (Frankfurt)', 'ドイツ (フランクフルト)', '法兰克福', 'Frankfurt', 'abc'),
  region('eu-west-1', '英国（伦敦）', 'UK (London)', 'イギリス (ロンドン)', '伦敦', 'London', 'ab'),
  region('me-east-1', '阿联酋（迪拜）', 'UAE (Dubai)', 'アラブ首長国連邦 (ドバイ)', '迪拜', 'Dubai', 'a'),
  region('me-central-1', '沙特（利雅得）', 'Saudi Arabia (Riyadh)', 'サウジアラビア (リヤド)', '利雅得', 'Riyadh', 'ab'),
];

const byId = new Map(REGIONS.map((r) => [r.RegionId, r]));
export function findRegion(id: string | undefined): RegionInfo | undefined {
  return id === undefined ? undefined : byId.get(id);
}

export type Lang = 'zh' | 'en' | 'ja';
export function langOf(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'zh';
  const l = acceptLanguage.toLowerCase();
  if (l.startsWith('en')) return 'en';
  if (l.startsWith('ja')) return 'ja';
  return 'zh';
}

/** Zone pairs that may serve as master/slave: every ordered pair of distinct zones. */
export function zonePairs(r: RegionInfo): { master: ZoneInfo; slave?: ZoneInfo }[] {
  if (r.zones.length < 2) return r.zones.map((z) => ({ master: z }));
  const out: { master: ZoneInfo; slave?: ZoneInfo }[] = [];
  for (const m of r.zones) for (const s of r.zones) if (m !== s) out.push({ master: m, slave: s });
  return out;
}
