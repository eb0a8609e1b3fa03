/**
 * Country and region code lists. Countries: ISO 3166-1 alpha-2, the 249 officially assigned codes.
 * US: the 50 states, DC, the inhabited territories (AS, GU, MP, PR, VI, UM) and the military "states"
 * (AA, AE, AP) that USPS uses for APO/FPO/DPO addresses. CA: the 10 provinces and 3 territories.
 */

const ISO_3166_1_ALPHA_2 =
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO ' +
  'FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE ' +
  'JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO ' +
  'MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW ' +
  'PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM ' +
  'TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW';

const US_STATES =
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK ' +
  'OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR VI UM AA AE AP';

const CA_PROVINCES = 'AB BC MB NB NL NS NT NU ON PE QC SK YT';

/** ISO 3166-1 alpha-2 country codes. */
export const countryCodes: ReadonlySet<string> = new Set(ISO_3166_1_ALPHA_2.split(' '));
/** US state, district, territory and military codes (USPS). */
export const usStateCodes: ReadonlySet<string> = new Set(US_STATES.split(' '));
/** Canadian province and territory codes (Canada Post). */
export const caProvinceCodes: ReadonlySet<string> = new Set(CA_PROVINCES.split(' '));

/** Two upper-case ASCII letters packed into one number (c1 * 256 + c2), for allocation-free lookups. */
function packAll(codes: ReadonlySet<string>): Uint8Array {
  const table = new Uint8Array(65536);
  for (const c of codes) table[c.charCodeAt(0) * 256 + c.charCodeAt(1)] = 1;
  return table;
}

/** Lookup tables indexed by (byte1 * 256 + byte2): 1 when the two bytes form a known code. */
export const countryTable = packAll(countryCodes);
export const usStateTable = packAll(usStateCodes);
export const caProvinceTable = packAll(caProvinceCodes);
