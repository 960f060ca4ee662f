;; Batched float32 matrix product C[t] = A[t] · B[t] with WebAssembly SIMD
;; (f32x4), for the wasm backend's BatchMatMul (see ../batched-matmul.ts).
;;
;; The module imports the tfjs wasm backend's own memory, so it reads the input
;; tensors and writes the output tensor in place: no copies. Its shared-memory
;; variant (assemble.ts) runs in the worker threads of ../matmul-pool.ts.
;;
;; Layout. A and B are read through element strides, which covers both
;; transposes: A(i, k) = a[i*aRow + k*aCol], B(k, j) = b[k*bRow + j*bCol].
;; C is row-major with row stride cRow: C(i, j) = c[i*cRow + j]. Batch item t
;; reads a + t*aBatch and b + t*bBatch (a stride of 0 broadcasts one matrix
;; over the batch) and writes c + t*cBatch. Dense [batch, m, n] output is
;; cRow = n, cBatch = m*n; attention heads read and write [B, T, heads, d]
;; tokens in place with row strides of heads*d (../head-matmul.ts).
;;
;; Blocking. C is cut into 4×8 tiles, each held in eight f32x4 accumulators
;; (4 rows × 2 vectors) through the whole k loop: per k, two vector loads of
;; B's row segment, four splatted scalars of A's column, 8 mul + 8 add. Each
;; product is rounded to float32 and added in order k = 0, 1, ..., like a plain
;; float32 dot product (no fused multiply-add).
;; - B is packed into scratch as 8-column panels [k][8] (vector copies when its
;;   rows are contiguous, 4×4 shuffle transposes when its columns are, scalar
;;   copies otherwise; the last panel zero-padded when n is not a multiple of
;;   8), a block of panels at a time: at most 128 KiB, so that a block stays in
;;   cache while every row panel of A passes over it.
;; - A is read in place through four row pointers. A transposed A with k >= 128
;;   is first copied whole, once per item, to [k][4] row panels (in place, each
;;   k would touch another cache line); otherwise only the last row panel, when
;;   m is not a multiple of 4, is packed as [k][4] with zero padding.
;; - Full tiles are stored straight into C; edge tiles go through a 4×8
;;   scratch tile and only their valid part is copied.
;;
;; Scratch (caller-allocated, 16-byte aligned, size from scratch_bytes): the
;; tile (128 bytes), the A panels (16k bytes each: ⌈m/4⌉ when A is copied
;; whole, else one), one block of B panels (32k bytes each).
;;
;; Rebuild the embedded binary after editing: see ./assemble.ts.
(module
  (import "env" "memory" (memory 1))

  ;; B panels per block for inner size k: as many as fit in 128 KiB, at least 1.
  (func $blockPanels (param $k i32) (result i32)
    (if (result i32) (i32.gt_u (local.get $k) (i32.const 4096))
      (then (i32.const 1))
      (else (i32.div_u (i32.const 4096) (select (local.get $k) (i32.const 1) (local.get $k))))))

  ;; Whether A is copied to panels whole, for A's row stride (bytes) and k:
  ;; a transposed A with k >= 128.
  (func $packsWholeA (param $aRowBytes i32) (param $k i32) (result i32)
    (i32.and (i32.eq (local.get $aRowBytes) (i32.const 4))
             (i32.ge_u (local.get $k) (i32.const 128))))

  ;; Bytes of A panels: ⌈m/4⌉ panels of 16k bytes when A is copied whole, else
  ;; one (for the last row panel when m is not a multiple of 4).
  (func $aPanelBytes (param $m i32) (param $k i32) (param $aRowBytes i32) (result i32)
    (i32.mul
      (select (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2)) (i32.const 1)
              (call $packsWholeA (local.get $aRowBytes) (local.get $k)))
      (i32.shl (local.get $k) (i32.const 4))))

  ;; Bytes of scratch that $bmm needs for m×k A (row stride aRow elements),
  ;; n columns.
  (func (export "scratch_bytes") (param $m i32) (param $n i32) (param $k i32) (param $aRow i32) (result i32)
    (local $panels i32)
    (local.set $panels (i32.shr_u (i32.add (local.get $n) (i32.const 7)) (i32.const 3)))
    (if (i32.gt_u (local.get $panels) (call $blockPanels (local.get $k)))
      (then (local.set $panels (call $blockPanels (local.get $k)))))
    (i32.add
      (i32.add (i32.const 128)
               (call $aPanelBytes (local.get $m) (local.get $k) (i32.shl (local.get $aRow) (i32.const 2))))
      (i32.mul (local.get $panels) (i32.shl (local.get $k) (i32.const 5)))))

  ;; dst[kk*w + c] = c < count ? src[kk*kStride + c*cStride] : 0 for kk < k,
  ;; c < w (strides in bytes): one zero-padded panel of width w.
  (func $pack (param $src i32) (param $kStride i32) (param $cStride i32)
              (param $count i32) (param $w i32) (param $k i32) (param $dst i32)
    (local $kk i32) (local $c i32) (local $s i32)
    (block $kDone
      (loop $kLoop
        (br_if $kDone (i32.ge_u (local.get $kk) (local.get $k)))
        (local.set $s (local.get $src))
        (local.set $c (i32.const 0))
        (block $cDone
          (loop $cLoop
            (br_if $cDone (i32.ge_u (local.get $c) (local.get $w)))
            (f32.store (local.get $dst)
              (if (result f32) (i32.lt_u (local.get $c) (local.get $count))
                (then (f32.load (local.get $s)))
                (else (f32.const 0))))
            (local.set $s (i32.add (local.get $s) (local.get $cStride)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cLoop)))
        (local.set $src (i32.add (local.get $src) (local.get $kStride)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
        (br $kLoop))))

  ;; The same panel (w = 8, count = 8) when each column is contiguous along k
  ;; (kStride = 4 bytes: a transposed operand): 4×4 blocks are loaded as
  ;; vectors and transposed with shuffles; the last k mod 4 rows go through $pack.
  (func $packColumns8 (param $src i32) (param $cStride i32) (param $k i32) (param $dst i32)
    (local $kk i32) (local $s i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $half i32)
    (block $kDone
      (loop $kLoop
        (br_if $kDone (i32.gt_u (i32.add (local.get $kk) (i32.const 4)) (local.get $k)))
        ;; two halves: columns 0-3 and 4-7
        (local.set $half (i32.const 0))
        (loop $halfLoop
          (local.set $s (i32.add (i32.add (local.get $src) (i32.shl (local.get $kk) (i32.const 2)))
                                 (i32.mul (i32.shl (local.get $half) (i32.const 2)) (local.get $cStride))))
          (local.set $r0 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $cStride)))
          (local.set $r1 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $cStride)))
          (local.set $r2 (v128.load (local.get $s)))
          (local.set $s (i32.add (local.get $s) (local.get $cStride)))
          (local.set $r3 (v128.load (local.get $s)))
          ;; rc = column c at k..k+3; s0 = r0[0] r1[0] r0[1] r1[1], s1 = the same of
          ;; r2, r3, s2, s3 = lanes 2, 3; then row q of the block = lanes of s0/s1 (q < 2)
          ;; or s2/s3 (q >= 2).
          (local.set $s0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $s1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $s2 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $s3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (local.set $s (i32.add (local.get $dst) (i32.shl (local.get $half) (i32.const 4))))
          (v128.store offset=0 (local.get $s) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s0) (local.get $s1)))
          (v128.store offset=32 (local.get $s) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s0) (local.get $s1)))
          (v128.store offset=64 (local.get $s) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $s2) (local.get $s3)))
          (v128.store offset=96 (local.get $s) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $s2) (local.get $s3)))
          (local.set $half (i32.add (local.get $half) (i32.const 1)))
          (br_if $halfLoop (i32.lt_u (local.get $half) (i32.const 2))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
        (br $kLoop)))
    (call $pack (i32.add (local.get $src) (i32.shl (local.get $kk) (i32.const 2)))
                (i32.const 4) (local.get $cStride) (i32.const 8) (i32.const 8)
                (i32.sub (local.get $k) (local.get $kk)) (local.get $dst)))

  ;; The same panel (count = w) when each row is contiguous (cStride = 4 bytes):
  ;; $vectors (1: w = 4, 2: w = 8) vector copies per k.
  (func $packRows (param $src i32) (param $kStride i32) (param $vectors i32) (param $k i32) (param $dst i32)
    (block $kDone
      (loop $kLoop
        (br_if $kDone (i32.eqz (local.get $k)))
        (v128.store (local.get $dst) (v128.load (local.get $src)))
        (if (i32.eq (local.get $vectors) (i32.const 2))
          (then (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))))
        (local.set $src (i32.add (local.get $src) (local.get $kStride)))
        (local.set $dst (i32.add (local.get $dst) (i32.shl (local.get $vectors) (i32.const 4))))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br $kLoop))))

  ;; C[t] = A[t] · B[t] for t < batch. Pointers in bytes, strides in elements;
  ;; m, n >= 1, k >= 0, cRow >= n.
  (func (export "bmm")
    (param $batch i32)
    (param $a i32) (param $aBatch i32) (param $aRow i32) (param $aCol i32)
    (param $b i32) (param $bBatch i32) (param $bRow i32) (param $bCol i32)
    (param $c i32) (param $cBatch i32) (param $cRow i32) (param $m i32) (param $n i32) (param $k i32)
    (param $scratch i32)
    (local $t i32) (local $i0 i32) (local $j i32) (local $jb i32) (local $jEnd i32)
    (local $rows i32) (local $cols i32)
    (local $nFull i32) (local $nEdge i32) (local $panels i32) (local $perBlock i32)
    (local $rowBytes i32) (local $panelBytes i32)
    (local $tile i32) (local $aPanel i32) (local $bPacked i32) (local $wholeA i32)
    (local $aItem i32) (local $bItem i32) (local $cItem i32)
    (local $pa0 i32) (local $ars i32) (local $aks i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $pb i32)
    (local $kk i32) (local $pc i32) (local $r i32) (local $cc i32)
    (local $b0 v128) (local $b1 v128) (local $av v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)

    ;; strides to bytes
    (local.set $aBatch (i32.shl (local.get $aBatch) (i32.const 2)))
    (local.set $aRow (i32.shl (local.get $aRow) (i32.const 2)))
    (local.set $aCol (i32.shl (local.get $aCol) (i32.const 2)))
    (local.set $bBatch (i32.shl (local.get $bBatch) (i32.const 2)))
    (local.set $bRow (i32.shl (local.get $bRow) (i32.const 2)))
    (local.set $bCol (i32.shl (local.get $bCol) (i32.const 2)))
    (local.set $cBatch (i32.shl (local.get $cBatch) (i32.const 2)))
    (local.set $rowBytes (i32.shl (local.get $cRow) (i32.const 2)))
    (local.set $panelBytes (i32.shl (local.get $k) (i32.const 5)))

    (local.set $nFull (i32.shr_u (local.get $n) (i32.const 3)))
    (local.set $nEdge (i32.and (local.get $n) (i32.const 7)))
    (local.set $panels (i32.shr_u (i32.add (local.get $n) (i32.const 7)) (i32.const 3)))
    (local.set $perBlock (call $blockPanels (local.get $k)))
    (local.set $tile (local.get $scratch))
    (local.set $aPanel (i32.add (local.get $tile) (i32.const 128)))
    (local.set $wholeA (call $packsWholeA (local.get $aRow) (local.get $k)))
    (local.set $bPacked (i32.add (local.get $aPanel)
                                 (call $aPanelBytes (local.get $m) (local.get $k) (local.get $aRow))))

    (local.set $aItem (local.get $a))
    (local.set $bItem (local.get $b))
    (local.set $cItem (local.get $c))
    (local.set $t (i32.const 0))
    (block $batchDone
      (loop $batchLoop
        (br_if $batchDone (i32.ge_u (local.get $t) (local.get $batch)))

        ;; ---- A panels of this item: all of them, or the last one if partial
        (local.set $i0 (select (i32.const 0) (i32.and (local.get $m) (i32.const -4)) (local.get $wholeA)))
        (block $aDone
          (loop $aLoop
            (br_if $aDone (i32.ge_u (local.get $i0) (local.get $m)))
            (local.set $pa0 (i32.add (local.get $aItem) (i32.mul (local.get $i0) (local.get $aRow))))
            (local.set $pc (select (i32.add (local.get $aPanel) (i32.mul (local.get $i0) (i32.shl (local.get $k) (i32.const 2))))
                                   (local.get $aPanel)
                                   (local.get $wholeA)))
            (local.set $rows (i32.sub (local.get $m) (local.get $i0)))
            (if (i32.ge_u (local.get $rows) (i32.const 4))
              (then (call $packRows (local.get $pa0) (local.get $aCol) (i32.const 1) (local.get $k) (local.get $pc)))
              (else (call $pack (local.get $pa0) (local.get $aCol) (local.get $aRow)
                                (local.get $rows) (i32.const 4) (local.get $k) (local.get $pc))))
            (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
            (br $aLoop)))

        ;; ---- blocks of B panels
        (local.set $jb (i32.const 0))
        (block $blocksDone
          (loop $blocksLoop
            (br_if $blocksDone (i32.ge_u (local.get $jb) (local.get $panels)))
            (local.set $jEnd (i32.add (local.get $jb) (local.get $perBlock)))
            (if (i32.gt_u (local.get $jEnd) (local.get $panels))
              (then (local.set $jEnd (local.get $panels))))

            ;; ---- pack panels jb .. jEnd-1 as [k][8]
            (local.set $j (local.get $jb))
            (block $packDone
              (loop $packLoop
                (br_if $packDone (i32.ge_u (local.get $j) (local.get $jEnd)))
                (local.set $pb (i32.add (local.get $bItem)
                                        (i32.mul (i32.shl (local.get $j) (i32.const 3)) (local.get $bCol))))
                (local.set $pc (i32.add (local.get $bPacked)
                                        (i32.mul (i32.sub (local.get $j) (local.get $jb)) (local.get $panelBytes))))
                (if (i32.lt_u (local.get $j) (local.get $nFull))
                  (then
                    (if (i32.eq (local.get $bCol) (i32.const 4))
                      (then (call $packRows (local.get $pb) (local.get $bRow) (i32.const 2) (local.get $k) (local.get $pc)))
                      (else
                        (if (i32.eq (local.get $bRow) (i32.const 4))
                          (then (call $packColumns8 (local.get $pb) (local.get $bCol) (local.get $k) (local.get $pc)))
                          (else (call $pack (local.get $pb) (local.get $bRow) (local.get $bCol)
                                            (i32.const 8) (i32.const 8) (local.get $k) (local.get $pc)))))))
                  (else
                    (call $pack (local.get $pb) (local.get $bRow) (local.get $bCol)
                                (local.get $nEdge) (i32.const 8) (local.get $k) (local.get $pc))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $packLoop)))

            ;; ---- row panels of 4
            (local.set $i0 (i32.const 0))
            (block $rowsDone
              (loop $rowsLoop
                (br_if $rowsDone (i32.ge_u (local.get $i0) (local.get $m)))
                (local.set $rows (i32.sub (local.get $m) (local.get $i0)))
                (if (i32.gt_u (local.get $rows) (i32.const 4))
                  (then (local.set $rows (i32.const 4))))
                (if (i32.or (local.get $wholeA) (i32.lt_u (local.get $rows) (i32.const 4)))
                  (then
                    (local.set $pa0 (select (i32.add (local.get $aPanel) (i32.mul (local.get $i0) (i32.shl (local.get $k) (i32.const 2))))
                                            (local.get $aPanel)
                                            (local.get $wholeA)))
                    (local.set $ars (i32.const 4))
                    (local.set $aks (i32.const 16)))
                  (else
                    (local.set $pa0 (i32.add (local.get $aItem) (i32.mul (local.get $i0) (local.get $aRow))))
                    (local.set $ars (local.get $aRow))
                    (local.set $aks (local.get $aCol))))

                ;; ---- the block's column panels
                (local.set $j (local.get $jb))
                (block $colsDone
                  (loop $colsLoop
                    (br_if $colsDone (i32.ge_u (local.get $j) (local.get $jEnd)))
                    (local.set $pb (i32.add (local.get $bPacked)
                                            (i32.mul (i32.sub (local.get $j) (local.get $jb)) (local.get $panelBytes))))
                    (local.set $cols (select (i32.const 8) (local.get $nEdge)
                                             (i32.lt_u (local.get $j) (local.get $nFull))))
                    ;; ---- 4×8 micro-kernel over k
                    (local.set $c00 (v128.const i32x4 0 0 0 0))
                    (local.set $c01 (v128.const i32x4 0 0 0 0))
                    (local.set $c10 (v128.const i32x4 0 0 0 0))
                    (local.set $c11 (v128.const i32x4 0 0 0 0))
                    (local.set $c20 (v128.const i32x4 0 0 0 0))
                    (local.set $c21 (v128.const i32x4 0 0 0 0))
                    (local.set $c30 (v128.const i32x4 0 0 0 0))
                    (local.set $c31 (v128.const i32x4 0 0 0 0))
                    (local.set $p0 (local.get $pa0))
                    (local.set $p1 (i32.add (local.get $p0) (local.get $ars)))
                    (local.set $p2 (i32.add (local.get $p1) (local.get $ars)))
                    (local.set $p3 (i32.add (local.get $p2) (local.get $ars)))
                    (local.set $kk (local.get $k))
                    (block $kDone
                      (loop $kLoop
                        (br_if $kDone (i32.eqz (local.get $kk)))
                        (local.set $b0 (v128.load (local.get $pb)))
                        (local.set $b1 (v128.load offset=16 (local.get $pb)))
                        (local.set $av (v128.load32_splat (local.get $p0)))
                        (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $av) (local.get $b0))))
                        (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $av) (local.get $b1))))
                        (local.set $av (v128.load32_splat (local.get $p1)))
                        (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $av) (local.get $b0))))
                        (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $av) (local.get $b1))))
                        (local.set $av (v128.load32_splat (local.get $p2)))
                        (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $av) (local.get $b0))))
                        (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $av) (local.get $b1))))
                        (local.set $av (v128.load32_splat (local.get $p3)))
                        (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $av) (local.get $b0))))
                        (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $av) (local.get $b1))))
                        (local.set $p0 (i32.add (local.get $p0) (local.get $aks)))
                        (local.set $p1 (i32.add (local.get $p1) (local.get $aks)))
                        (local.set $p2 (i32.add (local.get $p2) (local.get $aks)))
                        (local.set $p3 (i32.add (local.get $p3) (local.get $aks)))
                        (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                        (local.set $kk (i32.sub (local.get $kk) (i32.const 1)))
                        (br $kLoop)))

                    ;; ---- store the tile
                    (local.set $pc (i32.add (local.get $cItem)
                      (i32.shl (i32.add (i32.mul (local.get $i0) (local.get $cRow))
                                        (i32.shl (local.get $j) (i32.const 3)))
                               (i32.const 2))))
                    (if (i32.and (i32.eq (local.get $rows) (i32.const 4))
                                 (i32.eq (local.get $cols) (i32.const 8)))
                      (then
                        (v128.store (local.get $pc) (local.get $c00))
                        (v128.store offset=16 (local.get $pc) (local.get $c01))
                        (local.set $pc (i32.add (local.get $pc) (local.get $rowBytes)))
                        (v128.store (local.get $pc) (local.get $c10))
                        (v128.store offset=16 (local.get $pc) (local.get $c11))
                        (local.set $pc (i32.add (local.get $pc) (local.get $rowBytes)))
                        (v128.store (local.get $pc) (local.get $c20))
                        (v128.store offset=16 (local.get $pc) (local.get $c21))
                        (local.set $pc (i32.add (local.get $pc) (local.get $rowBytes)))
                        (v128.store (local.get $pc) (local.get $c30))
                        (v128.store offset=16 (local.get $pc) (local.get $c31)))
                      (else
                        (v128.store offset=0 (local.get $tile) (local.get $c00))
                        (v128.store offset=16 (local.get $tile) (local.get $c01))
                        (v128.store offset=32 (local.get $tile) (local.get $c10))
                        (v128.store offset=48 (local.get $tile) (local.get $c11))
                        (v128.store offset=64 (local.get $tile) (local.get $c20))
                        (v128.store offset=80 (local.get $tile) (local.get $c21))
                        (v128.store offset=96 (local.get $tile) (local.get $c30))
                        (v128.store offset=112 (local.get $tile) (local.get $c31))
                        (local.set $r (i32.const 0))
                        (block $rDone
                          (loop $rLoop
                            (br_if $rDone (i32.ge_u (local.get $r) (local.get $rows)))
                            (local.set $cc (i32.const 0))
                            (block $ccDone
                              (loop $ccLoop
                                (br_if $ccDone (i32.ge_u (local.get $cc) (local.get $cols)))
                                (f32.store
                                  (i32.add (local.get $pc) (i32.shl (local.get $cc) (i32.const 2)))
                                  (f32.load
                                    (i32.add (local.get $tile)
                                      (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $cc))
                                               (i32.const 2)))))
                                (local.set $cc (i32.add (local.get $cc) (i32.const 1)))
                                (br $ccLoop)))
                            (local.set $pc (i32.add (local.get $pc) (local.get $rowBytes)))
                            (local.set $r (i32.add (local.get $r) (i32.const 1)))
                            (br $rLoop)))))

                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $colsLoop)))

                (local.set $i0 (i32.add (local.get $i0) (i32.const 4)))
                (br $rowsLoop)))

            (local.set $jb (local.get $jEnd))
            (br $blocksLoop)))

        (local.set $aItem (i32.add (local.get $aItem) (local.get $aBatch)))
        (local.set $bItem (i32.add (local.get $bItem) (local.get $bBatch)))
        (local.set $cItem (i32.add (local.get $cItem) (local.get $cBatch)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $batchLoop))))
)
