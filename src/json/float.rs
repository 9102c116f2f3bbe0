//! Decimal to `f64`, correctly rounded (ties to even), as `str::parse::<f64>` does.
//!
//! Why not `str::parse`: core's `dec2flt` brings a 128-bit power-of-five table and its
//! algorithms, 18 KB of wasm (15 KB gzipped, tables compress badly), for the few
//! non-integer numbers a catalog or customer state holds. Here the common case (up to
//! 15 digits and a power of ten up to 22) is Clinger's fast path, one exact rounding;
//! anything else is exact big-integer division, slow but small and plainly right. The
//! tests compare both paths with `str::parse` bit for bit.

/// Significant digits kept: every halfway point between two `f64`s has at most 767,
/// so the digits past this only matter as "some nonzero digit follows" (dec2flt keeps
/// 768 the same way).
const MAX_DIGITS: usize = 800;

/// Powers of ten exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of `text`, a number in JSON's grammar (`-?digits(.digits)?([eE][+-]?digits)?`),
/// or `None` when its magnitude rounds past `f64::MAX`. Tiny values round to zero.
pub(crate) fn parse(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, bytes) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // value = digits × 10^exp, digits without leading zeros.
    let mut digits: Vec<u8> = Vec::new();
    let mut exp: i64 = 0;
    let mut dropped_nonzero = false;
    let mut fraction = false;
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'0'..=b'9' => {
                let d = c - b'0';
                if digits.len() < MAX_DIGITS {
                    if d != 0 || !digits.is_empty() {
                        digits.push(d);
                    }
                    exp -= i64::from(fraction);
                } else {
                    dropped_nonzero |= d != 0;
                    exp += i64::from(!fraction);
                }
            }
            b'.' => fraction = true,
            _ => break,
        }
        i += 1;
    }
    if let Some(b'e' | b'E') = bytes.get(i) {
        i += 1;
        let negative_exp = bytes.get(i) == Some(&b'-');
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let mut e: i64 = 0;
        while let Some(&c @ b'0'..=b'9') = bytes.get(i) {
            // Saturates far beyond any exponent that can matter.
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
            i += 1;
        }
        exp += if negative_exp { -e } else { e };
    }
    if dropped_nonzero {
        // Stands for the dropped digits: between the kept ones and the next digit up.
        digits.push(1);
        exp -= 1;
    }
    let x = magnitude(&digits, exp)?;
    Some(if negative { -x } else { x })
}

/// `digits × 10^exp`, correctly rounded; `None` past `f64::MAX`.
fn magnitude(digits: &[u8], exp: i64) -> Option<f64> {
    if digits.is_empty() {
        return Some(0.0);
    }
    let n = digits.len() as i64;
    if n + exp - 1 > 308 {
        // At least 1e309.
        return None;
    }
    if n + exp < -324 {
        // Below 1e-324, under half the smallest subnormal (4.9e-324): rounds to zero.
        return Some(0.0);
    }
    if n <= 15 && (-22..=22).contains(&exp) {
        // Clinger: both operands are exact, so the one operation rounds correctly.
        let m = digits.iter().fold(0u64, |m, &d| m * 10 + u64::from(d)) as f64;
        let p = POW10
            .get(exp.unsigned_abs() as usize)
            .copied()
            .unwrap_or(1.0);
        return Some(if exp < 0 { m / p } else { m * p });
    }
    let mut num = Big::default();
    for &d in digits {
        num.mul_add(10, u32::from(d));
    }
    let mut den = Big::default();
    den.mul_add(1, 1);
    if exp >= 0 {
        num.mul_pow10(exp.unsigned_abs());
    } else {
        den.mul_pow10(exp.unsigned_abs());
    }
    // q = floor(num / den × 2^s) with 54 bits (53 and a rounding bit), or fewer when
    // 2^-1075 is the rounding bit's place (subnormals).
    let mut s = 53 - (num.bits() - den.bits());
    loop {
        let capped = s.min(1075);
        let (q, inexact) = quotient(&num, &den, capped);
        if q < 1 << 53 && capped == s {
            s += 1;
            continue;
        }
        return round(q, inexact, capped);
    }
}

/// `q × 2^-s` (with a nonzero remainder past it when `inexact`) rounded to 53 bits.
fn round(q: u64, inexact: bool, s: i64) -> Option<f64> {
    let mut m = q >> 1;
    let mut e = 1 - s; // value = m × 2^e
    if q & 1 == 1 && (inexact || m & 1 == 1) {
        m += 1;
        if m == 1 << 53 {
            m >>= 1;
            e += 1;
        }
    }
    if e > 1023 - 52 {
        return None;
    }
    // m < 2^53 and e >= -1074: m × 2^e is exact, in two steps when 2^e is subnormal.
    let x = m as f64;
    Some(if e < -1022 {
        x * pow2(e + 200) * pow2(-200)
    } else {
        x * pow2(e)
    })
}

/// 2^e for e in -1022..=1023.
fn pow2(e: i64) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `floor(num × 2^s / den)`, known to be below 2^54, and whether a remainder is left.
fn quotient(num: &Big, den: &Big, s: i64) -> (u64, bool) {
    let mut rem = num.shl(s.max(0).unsigned_abs());
    let den = den.shl((-s).max(0).unsigned_abs());
    let mut q = 0u64;
    for bit in (0..54).rev() {
        let d = den.shl(bit);
        if rem.ge(&d) {
            rem.sub(&d);
            q |= 1 << bit;
        }
    }
    (q, !rem.is_zero())
}

/// An unsigned big integer, little-endian 32-bit limbs without high zero limbs.
#[derive(Clone, Debug, Default)]
struct Big(Vec<u32>);

impl Big {
    /// self = self × m + a.
    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let x = u64::from(*limb) * u64::from(m) + carry;
            *limb = x as u32;
            carry = x >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut k: u64) {
        while k > 0 {
            let step = k.min(9);
            self.mul_add(10u32.pow(step as u32), 0);
            k -= step;
        }
    }

    fn bits(&self) -> i64 {
        self.0.last().map_or(0, |&top| {
            32 * self.0.len() as i64 - i64::from(top.leading_zeros())
        })
    }

    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    fn shl(&self, n: u64) -> Big {
        let (limbs, bits) = ((n / 32) as usize, (n % 32) as u32);
        let mut out = vec![0u32; limbs];
        let mut carry = 0u32;
        for &limb in &self.0 {
            if bits == 0 {
                out.push(limb);
            } else {
                out.push(limb << bits | carry);
                carry = limb >> (32 - bits);
            }
        }
        if carry != 0 {
            out.push(carry);
        }
        let mut big = Big(out);
        big.trim();
        big
    }

    /// self >= other.
    fn ge(&self, other: &Big) -> bool {
        if self.0.len() != other.0.len() {
            return self.0.len() > other.0.len();
        }
        for (a, b) in self.0.iter().rev().zip(other.0.iter().rev()) {
            if a != b {
                return a > b;
            }
        }
        true
    }

    /// self -= other, for self >= other.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let b = i64::from(other.0.get(i).copied().unwrap_or(0));
            let x = i64::from(*limb) - b - borrow;
            borrow = i64::from(x < 0);
            *limb = (x + (borrow << 32)) as u32;
        }
        self.trim();
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::parse;

    fn same(text: &str) {
        let want = text.parse::<f64>().ok().filter(|x| x.is_finite());
        let got = parse(text);
        assert_eq!(
            got.map(f64::to_bits),
            want.map(f64::to_bits),
            "{text}: got {got:?}, want {want:?}"
        );
    }

    #[test]
    fn hard_cases_match_std() {
        for text in [
            "0", "-0", "0.0", "-0.0", "0e5", "0.000e-999", "1", "1.5", "-2.25", "0.1", "0.3",
            "123456789012345678", "9007199254740993", "9007199254740992.5",
            "9007199254740993.0000000000000000000000000000001", "1e22", "1e23", "8.5e-10",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "2.225073858507201e-308",
            "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
            "5e-324", "3e-324", "1e-324", "1e-400", "1.7976931348623157e308",
            "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "1e400",
            "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999999999999999999999999999999999999999999999999999999999999999",
            "0.1000000000000000055511151231257827021181583404541015625",
            "0.1000000000000000055511151231257827021181583404541015624",
            "7.3177701707893310e+15", "1e-7", "123.456e-300", "1e0000000000000000000001",
            "1e-99999999999999999999999999",
        ] {
            same(text);
        }
        // Past MAX_DIGITS: a halfway point then a nonzero digit far away.
        let mut long = String::from("9007199254740993");
        long.push_str(&"0".repeat(900));
        same(&long);
        long.push('1');
        same(&long);
        let mut frac = String::from("1.");
        frac.push_str(&"0".repeat(1000));
        frac.push('1');
        same(&frac);
        same(&format!("0.{}1e300", "0".repeat(850)));
    }

    proptest! {
        #[test]
        fn round_trips_every_f64(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite());
            same(&format!("{x:e}"));
            same(&format!("{x}"));
            same(&format!("{x:.3e}"));
        }

        #[test]
        fn matches_std_on_decimal_text(
            negative in any::<bool>(),
            int in "(0|[1-9][0-9]{0,40})",
            frac in proptest::option::of("[0-9]{1,40}"),
            exp in proptest::option::of(-400i32..400),
        ) {
            let mut text = String::new();
            if negative { text.push('-'); }
            text.push_str(&int);
            if let Some(f) = frac { text.push('.'); text.push_str(&f); }
            if let Some(e) = exp { text.push_str(&format!("e{e}")); }
            same(&text);
        }
    }
}
