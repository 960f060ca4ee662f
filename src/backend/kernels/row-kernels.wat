;; Fused row kernels with WebAssembly SIMD (f32x4) for the wasm backend (see
;; ../row-kernels.ts): layer normalisation forward and backward, the softmax
;; gradient, exact GELU forward and backward, a bias add and a column sum,
;; the elementwise chains of an AdamW step and an EMA step, and a sum of squares.
;; Each replaces a chain of 4 to 15 tfjs kernels (every one a pass over memory
;; and a JavaScript dispatch) with one pass or two over each row.
;;
;; The module imports the tfjs wasm backend's own memory and works in place on
;; its tensors. Pointers are byte offsets, unsigned (tensors may lie past
;; 2 GiB); rows are contiguous float32, any length: vector loops over the
;; first 4·floor(cols/4) elements, scalar loops over the rest.
;;
;; Rebuild the embedded binary after editing: see ./assemble.ts.
(module
  (import "env" "memory" (memory 1))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Σ p[j] for j < cols.
  (func $rowSum (param $p i32) (param $cols i32) (result f32)
    (local $acc v128) (local $j i32) (local $s f32) (local $vec i32)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
      (local.set $s (f32.add (local.get $s) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next)))
    (local.get $s))

  ;; Layer norm over rows of `cols`: mean, variance (mean of squared
  ;; deviations, as tf.moments), rstd = 1/√(var + eps); y = (x − mean)·rstd,
  ;; then ·gamma + beta when gamma ≠ 0. stats[2r] = mean, stats[2r+1] = rstd.
  (func (export "layer_norm") (param $x i32) (param $y i32) (param $stats i32) (param $gamma i32) (param $beta i32)
                              (param $rows i32) (param $cols i32) (param $eps f32)
    (local $r i32) (local $j i32) (local $vec i32) (local $o i32)
    (local $mean f32) (local $rstd f32) (local $s f32) (local $t f32)
    (local $acc v128) (local $d v128) (local $vmean v128) (local $vrstd v128)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $mean (f32.div (call $rowSum (local.get $x) (local.get $cols)) (f32.convert_i32_u (local.get $cols))))
      (local.set $vmean (f32x4.splat (local.get $mean)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $d (f32x4.sub (v128.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2)))) (local.get $vmean)))
        (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $s (call $hsum (local.get $acc)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $t (f32.sub (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2)))) (local.get $mean)))
        (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $rstd (f32.div (f32.const 1)
        (f32.sqrt (f32.add (f32.div (local.get $s) (f32.convert_i32_u (local.get $cols))) (local.get $eps)))))
      (f32.store (local.get $stats) (local.get $mean))
      (f32.store offset=4 (local.get $stats) (local.get $rstd))
      (local.set $vrstd (f32x4.splat (local.get $rstd)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $d (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vmean)) (local.get $vrstd)))
        (if (local.get $gamma)
          (then (local.set $d (f32x4.add (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $gamma) (local.get $o))))
                                         (v128.load (i32.add (local.get $beta) (local.get $o)))))))
        (v128.store (i32.add (local.get $y) (local.get $o)) (local.get $d))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $t (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $mean)) (local.get $rstd)))
        (if (local.get $gamma)
          (then (local.set $t (f32.add (f32.mul (local.get $t) (f32.load (i32.add (local.get $gamma) (local.get $o))))
                                       (f32.load (i32.add (local.get $beta) (local.get $o)))))))
        (f32.store (i32.add (local.get $y) (local.get $o)) (local.get $t))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $o (i32.shl (local.get $cols) (i32.const 2)))
      (local.set $x (i32.add (local.get $x) (local.get $o)))
      (local.set $y (i32.add (local.get $y) (local.get $o)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; p[j] = 0 for j < n.
  (func $zero (param $p i32) (param $n i32)
    (local $j i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (f32.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (f32.const 0))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))

  ;; Gradient of layer_norm for rows of x with their stats, given dy: with
  ;; x̂ = (x − mean)·rstd and g = dy·gamma (dy without gamma),
  ;; dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); with gamma ≠ 0 also
  ;; dgamma = Σ_rows dy·x̂ and dbeta = Σ_rows dy (summed in row order).
  (func (export "layer_norm_grad") (param $x i32) (param $stats i32) (param $gamma i32) (param $dy i32)
                                   (param $dx i32) (param $dgamma i32) (param $dbeta i32)
                                   (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vec i32) (local $o i32)
    (local $mean f32) (local $rstd f32) (local $sa f32) (local $sb f32) (local $t f32) (local $g f32) (local $dyj f32)
    (local $accA v128) (local $accB v128) (local $xh v128) (local $vg v128) (local $vdy v128)
    (local $vmean v128) (local $vrstd v128) (local $va v128) (local $vb v128) (local $inv f32)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (local.set $inv (f32.div (f32.const 1) (f32.convert_i32_u (local.get $cols))))
    (if (local.get $gamma)
      (then (call $zero (local.get $dgamma) (local.get $cols))
            (call $zero (local.get $dbeta) (local.get $cols))))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $mean (f32.load (local.get $stats)))
      (local.set $rstd (f32.load offset=4 (local.get $stats)))
      (local.set $vmean (f32x4.splat (local.get $mean)))
      (local.set $vrstd (f32x4.splat (local.get $rstd)))
      (local.set $accA (v128.const i32x4 0 0 0 0))
      (local.set $accB (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vmean)) (local.get $vrstd)))
        (local.set $vdy (v128.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $vg (local.get $vdy))
        (if (local.get $gamma)
          (then
            (local.set $vg (f32x4.mul (local.get $vdy) (v128.load (i32.add (local.get $gamma) (local.get $o)))))
            (v128.store (i32.add (local.get $dgamma) (local.get $o))
              (f32x4.add (v128.load (i32.add (local.get $dgamma) (local.get $o))) (f32x4.mul (local.get $vdy) (local.get $xh))))
            (v128.store (i32.add (local.get $dbeta) (local.get $o))
              (f32x4.add (v128.load (i32.add (local.get $dbeta) (local.get $o))) (local.get $vdy)))))
        (local.set $accA (f32x4.add (local.get $accA) (local.get $vg)))
        (local.set $accB (f32x4.add (local.get $accB) (f32x4.mul (local.get $vg) (local.get $xh))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $sa (call $hsum (local.get $accA)))
      (local.set $sb (call $hsum (local.get $accB)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $t (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $mean)) (local.get $rstd)))
        (local.set $dyj (f32.load (i32.add (local.get $dy) (local.get $o))))
        (local.set $g (local.get $dyj))
        (if (local.get $gamma)
          (then
            (local.set $g (f32.mul (local.get $dyj) (f32.load (i32.add (local.get $gamma) (local.get $o)))))
            (f32.store (i32.add (local.get $dgamma) (local.get $o))
              (f32.add (f32.load (i32.add (local.get $dgamma) (local.get $o))) (f32.mul (local.get $dyj) (local.get $t))))
            (f32.store (i32.add (local.get $dbeta) (local.get $o))
              (f32.add (f32.load (i32.add (local.get $dbeta) (local.get $o))) (local.get $dyj)))))
        (local.set $sa (f32.add (local.get $sa) (local.get $g)))
        (local.set $sb (f32.add (local.get $sb) (f32.mul (local.get $g) (local.get $t))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $sa (f32.mul (local.get $sa) (local.get $inv)))
      (local.set $sb (f32.mul (local.get $sb) (local.get $inv)))
      (local.set $va (f32x4.splat (local.get $sa)))
      (local.set $vb (f32x4.splat (local.get $sb)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $xh (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $o))) (local.get $vmean)) (local.get $vrstd)))
        (local.set $vg (v128.load (i32.add (local.get $dy) (local.get $o))))
        (if (local.get $gamma)
          (then (local.set $vg (f32x4.mul (local.get $vg) (v128.load (i32.add (local.get $gamma) (local.get $o)))))))
        (v128.store (i32.add (local.get $dx) (local.get $o))
          (f32x4.mul (local.get $vrstd)
            (f32x4.sub (f32x4.sub (local.get $vg) (local.get $va)) (f32x4.mul (local.get $xh) (local.get $vb)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $t (f32.mul (f32.sub (f32.load (i32.add (local.get $x) (local.get $o))) (local.get $mean)) (local.get $rstd)))
        (local.set $g (f32.load (i32.add (local.get $dy) (local.get $o))))
        (if (local.get $gamma)
          (then (local.set $g (f32.mul (local.get $g) (f32.load (i32.add (local.get $gamma) (local.get $o)))))))
        (f32.store (i32.add (local.get $dx) (local.get $o))
          (f32.mul (local.get $rstd)
            (f32.sub (f32.sub (local.get $g) (local.get $sa)) (f32.mul (local.get $t) (local.get $sb)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $o (i32.shl (local.get $cols) (i32.const 2)))
      (local.set $x (i32.add (local.get $x) (local.get $o)))
      (local.set $dy (i32.add (local.get $dy) (local.get $o)))
      (local.set $dx (i32.add (local.get $dx) (local.get $o)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; Gradient of a softmax over rows from its output y: dx = y·(dy − Σ dy·y).
  (func (export "softmax_grad") (param $y i32) (param $dy i32) (param $dx i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vec i32) (local $o i32)
    (local $s f32) (local $acc v128) (local $vs v128)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $o))) (v128.load (i32.add (local.get $y) (local.get $o))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (local.set $s (call $hsum (local.get $acc)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (local.set $s (f32.add (local.get $s)
          (f32.mul (f32.load (i32.add (local.get $dy) (local.get $o))) (f32.load (i32.add (local.get $y) (local.get $o))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $vs (f32x4.splat (local.get $s)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (v128.store (i32.add (local.get $dx) (local.get $o))
          (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $o)))
                     (f32x4.sub (v128.load (i32.add (local.get $dy) (local.get $o))) (local.get $vs))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $dx) (local.get $o))
          (f32.mul (f32.load (i32.add (local.get $y) (local.get $o)))
                   (f32.sub (f32.load (i32.add (local.get $dy) (local.get $o))) (local.get $s))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $o (i32.shl (local.get $cols) (i32.const 2)))
      (local.set $y (i32.add (local.get $y) (local.get $o)))
      (local.set $dy (i32.add (local.get $dy) (local.get $o)))
      (local.set $dx (i32.add (local.get $dx) (local.get $o)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

;; The standard normal CDF Φ and density φ of each lane of $x, and the GELU
  ;; result: x·Φ(x) ($grad = 0) or dy·(Φ(x) + x·φ(x)) ($grad = 1), the GELU
  ;; gradient. Φ: with z = |x|/√2, erfc(z) ≈ t·P(t)·e^(−z²),
  ;; t = 1/(1 + 0.3275911·z) (Abramowitz & Stegun 7.1.26, |error| ≤ 1.5e-7),
  ;; Φ = 1 − erfc/2 for x ≥ 0 and erfc/2 below (no cancellation in the left
  ;; tail); φ = e^(−z²)/√(2π). e^w (w = −z² ≤ 0) as Cephes expf: w = n·ln2 + r,
  ;; a degree-6 polynomial for e^r, 2^n from the exponent bits (about 1 ulp),
  ;; w clamped at −87.3 so that 2^n stays a normal float.
  ;; Everything is inline in one function per vector: no nested calls, no
  ;; multiple results (measured 35 % faster than calling helpers here).
  (func $geluLanes (param $x v128) (param $dy v128) (param $grad i32) (result v128)
    (local $z v128) (local $t v128) (local $p v128) (local $e v128) (local $half v128)
    (local $w v128) (local $n v128) (local $r v128) (local $cdf v128)
    (local.set $z (f32x4.mul (f32x4.abs (local.get $x)) (f32x4.splat (f32.const 0.7071067811865476))))
    (local.set $t (f32x4.div (f32x4.splat (f32.const 1))
                             (f32x4.add (f32x4.splat (f32.const 1)) (f32x4.mul (local.get $z) (f32x4.splat (f32.const 0.3275911))))))
    (local.set $p (f32x4.splat (f32.const 1.061405429)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -1.453152027))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 1.421413741))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const -0.284496736))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $t)) (f32x4.splat (f32.const 0.254829592))))
    ;; e = exp(w), w = −z²
    (local.set $w (f32x4.max (f32x4.neg (f32x4.mul (local.get $z) (local.get $z))) (f32x4.splat (f32.const -87.3))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $w) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $w) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375))))
                             (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $e (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $e (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $e) (local.get $r)) (local.get $r)) (local.get $r))
                             (f32x4.splat (f32.const 1))))
    (local.set $e (f32x4.mul (local.get $e)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))
    (local.set $half (f32x4.mul (f32x4.mul (f32x4.mul (local.get $p) (local.get $t)) (local.get $e)) (f32x4.splat (f32.const 0.5))))
    (local.set $cdf (v128.bitselect
      (f32x4.sub (f32x4.splat (f32.const 1)) (local.get $half))
      (local.get $half)
      (f32x4.ge (local.get $x) (f32x4.splat (f32.const 0)))))
    (if (result v128) (local.get $grad)
      (then (f32x4.mul (local.get $dy)
              (f32x4.add (local.get $cdf)
                         (f32x4.mul (local.get $x) (f32x4.mul (local.get $e) (f32x4.splat (f32.const 0.3989422804014327)))))))
      (else (f32x4.mul (local.get $x) (local.get $cdf)))))

  ;; out = GELU(x) ($grad = 0) or dy·GELU'(x) ($grad = 1) for n floats; the
  ;; last n mod 4 go through one vector, loaded and stored lane by lane.
  (func $geluRange (param $x i32) (param $dy i32) (param $out i32) (param $n i32) (param $grad i32)
    (local $j i32) (local $vec i32) (local $o i32) (local $left i32) (local $vx v128) (local $vd v128) (local $res v128)
    (local.set $vec (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $o (i32.shl (local.get $j) (i32.const 2)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (call $geluLanes (v128.load (i32.add (local.get $x) (local.get $o)))
                         (if (result v128) (local.get $grad)
                           (then (v128.load (i32.add (local.get $dy) (local.get $o))))
                           (else (v128.const i32x4 0 0 0 0)))
                         (local.get $grad)))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (local.set $left (i32.sub (local.get $n) (local.get $vec)))
    (if (i32.eqz (local.get $left)) (then (return)))
    (local.set $o (i32.shl (local.get $vec) (i32.const 2)))
    (local.set $vx (v128.load32_zero (i32.add (local.get $x) (local.get $o))))
    (if (local.get $grad) (then (local.set $vd (v128.load32_zero (i32.add (local.get $dy) (local.get $o))))))
    (if (i32.ge_u (local.get $left) (i32.const 2))
      (then
        (local.set $vx (f32x4.replace_lane 1 (local.get $vx) (f32.load offset=4 (i32.add (local.get $x) (local.get $o)))))
        (if (local.get $grad) (then (local.set $vd (f32x4.replace_lane 1 (local.get $vd) (f32.load offset=4 (i32.add (local.get $dy) (local.get $o)))))))))
    (if (i32.ge_u (local.get $left) (i32.const 3))
      (then
        (local.set $vx (f32x4.replace_lane 2 (local.get $vx) (f32.load offset=8 (i32.add (local.get $x) (local.get $o)))))
        (if (local.get $grad) (then (local.set $vd (f32x4.replace_lane 2 (local.get $vd) (f32.load offset=8 (i32.add (local.get $dy) (local.get $o)))))))))
    (local.set $res (call $geluLanes (local.get $vx) (local.get $vd) (local.get $grad)))
    (f32.store (i32.add (local.get $out) (local.get $o)) (f32x4.extract_lane 0 (local.get $res)))
    (if (i32.ge_u (local.get $left) (i32.const 2))
      (then (f32.store offset=4 (i32.add (local.get $out) (local.get $o)) (f32x4.extract_lane 1 (local.get $res)))))
    (if (i32.ge_u (local.get $left) (i32.const 3))
      (then (f32.store offset=8 (i32.add (local.get $out) (local.get $o)) (f32x4.extract_lane 2 (local.get $res))))))

  ;; y = x·Φ(x) for n floats (exact GELU, PyTorch nn.GELU()).
  (func (export "gelu") (param $x i32) (param $y i32) (param $n i32)
    (call $geluRange (local.get $x) (i32.const 0) (local.get $y) (local.get $n) (i32.const 0)))

  ;; dx = dy·GELU'(x) for n floats.
  (func (export "gelu_grad") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (call $geluRange (local.get $x) (local.get $dy) (local.get $dx) (local.get $n) (i32.const 1)))

  ;; y[r, j] = x[r, j] + b[j] for rows of `cols`.
  (func (export "bias_add") (param $x i32) (param $b i32) (param $y i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vec i32) (local $o i32)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (v128.store (i32.add (local.get $y) (local.get $o))
          (f32x4.add (v128.load (i32.add (local.get $x) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $y) (local.get $o))
          (f32.add (f32.load (i32.add (local.get $x) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $o (i32.shl (local.get $cols) (i32.const 2)))
      (local.set $x (i32.add (local.get $x) (local.get $o)))
      (local.set $y (i32.add (local.get $y) (local.get $o)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))

  ;; out[j] = Σ_r x[r, j], summed in row order (the gradient of bias_add's b).
  (func (export "column_sum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $j i32) (local $vec i32) (local $o i32)
    (local.set $vec (i32.and (local.get $cols) (i32.const -4)))
    (call $zero (local.get $out) (local.get $cols))
    (block $rowsDone (loop $row
      (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f32x4.add (v128.load (i32.add (local.get $out) (local.get $o))) (v128.load (i32.add (local.get $x) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $next)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $cols)))
        (local.set $o (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (local.get $o))
          (f32.add (f32.load (i32.add (local.get $out) (local.get $o))) (f32.load (i32.add (local.get $x) (local.get $o)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next)))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $cols) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
  ;; One AdamW step over n floats, in the order of src/train/adamw.ts's
  ;; composed ops, each rounded to float32 as tfjs does (bit-identical):
  ;; m' = m·b1 + g·(1−b1); v' = v·b2 + (g·g)·(1−b2);
  ;; p' = p·decay − (m'·scale) / (√v' / div + eps).
  (func (export "adamw") (param $p i32) (param $g i32) (param $m i32) (param $v i32)
                         (param $pOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
                         (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32)
                         (param $decay f32) (param $scale f32) (param $div f32) (param $eps f32)
    (local $j i32) (local $vec i32) (local $o i32)
    (local $vg v128) (local $vm v128) (local $vv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $vec (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $o (i32.shl (local.get $j) (i32.const 2)))
      (local.set $vg (v128.load (i32.add (local.get $g) (local.get $o))))
      (local.set $vm (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (f32x4.splat (local.get $b1)))
                                (f32x4.mul (local.get $vg) (f32x4.splat (local.get $c1)))))
      (local.set $vv (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (f32x4.splat (local.get $b2)))
                                (f32x4.mul (f32x4.mul (local.get $vg) (local.get $vg)) (f32x4.splat (local.get $c2)))))
      (v128.store (i32.add (local.get $mOut) (local.get $o)) (local.get $vm))
      (v128.store (i32.add (local.get $vOut) (local.get $o)) (local.get $vv))
      (v128.store (i32.add (local.get $pOut) (local.get $o))
        (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $o))) (f32x4.splat (local.get $decay)))
                   (f32x4.div (f32x4.mul (local.get $vm) (f32x4.splat (local.get $scale)))
                              (f32x4.add (f32x4.div (f32x4.sqrt (local.get $vv)) (f32x4.splat (local.get $div))) (f32x4.splat (local.get $eps))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $o (i32.shl (local.get $j) (i32.const 2)))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $o))))
      (local.set $ms (f32.add (f32.mul (f32.load (i32.add (local.get $m) (local.get $o))) (local.get $b1))
                              (f32.mul (local.get $gs) (local.get $c1))))
      (local.set $vs (f32.add (f32.mul (f32.load (i32.add (local.get $v) (local.get $o))) (local.get $b2))
                              (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
      (f32.store (i32.add (local.get $mOut) (local.get $o)) (local.get $ms))
      (f32.store (i32.add (local.get $vOut) (local.get $o)) (local.get $vs))
      (f32.store (i32.add (local.get $pOut) (local.get $o))
        (f32.sub (f32.mul (f32.load (i32.add (local.get $p) (local.get $o))) (local.get $decay))
                 (f32.div (f32.mul (local.get $ms) (local.get $scale))
                          (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $div)) (local.get $eps)))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))

  ;; One EMA step over n floats: out = t·tau + s·(1−tau) (src/data2vec/ema-teacher.ts,
  ;; the same float32 roundings as its composed ops).
  (func (export "ema") (param $t i32) (param $s i32) (param $out i32) (param $n i32) (param $tau f32) (param $rest f32)
    (local $j i32) (local $vec i32) (local $o i32)
    (local.set $vec (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $o (i32.shl (local.get $j) (i32.const 2)))
      (v128.store (i32.add (local.get $out) (local.get $o))
        (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $t) (local.get $o))) (f32x4.splat (local.get $tau)))
                   (f32x4.mul (v128.load (i32.add (local.get $s) (local.get $o))) (f32x4.splat (local.get $rest)))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $o (i32.shl (local.get $j) (i32.const 2)))
      (f32.store (i32.add (local.get $out) (local.get $o))
        (f32.add (f32.mul (f32.load (i32.add (local.get $t) (local.get $o))) (local.get $tau))
                 (f32.mul (f32.load (i32.add (local.get $s) (local.get $o))) (local.get $rest))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next))))
  ;; Σ x² over n floats (four lanes summed separately, then together).
  (func (export "sum_squares") (param $x i32) (param $n i32) (result f32)
    (local $acc v128) (local $j i32) (local $vec i32) (local $s f32) (local $v v128) (local $t f32)
    (local.set $vec (i32.and (local.get $n) (i32.const -4)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $vec)))
      (local.set $v (v128.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2)))))
      (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $v) (local.get $v))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $next)))
    (local.set $s (call $hsum (local.get $acc)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $t (f32.load (i32.add (local.get $x) (i32.shl (local.get $j) (i32.const 2)))))
      (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next)))
    (local.get $s))
)
