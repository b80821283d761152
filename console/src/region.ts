// The region every page works in, remembered across visits.
const KEY = 'openslb.region';
export const region = () => localStorage.getItem(KEY) ?? 'cn-hangzhou';
export const setRegion = (r: string) => localStorage.setItem(KEY, r);
