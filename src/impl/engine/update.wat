;; The engine's optimizer updates (Keras 2.2, keras/optimizers.py get_updates), in WebAssembly SIMD.
;;
;; A training step's graph ends at the gradients; these kernels then update every parameter and its
;; optimizer slots in place, one pass over memory, four float32 lanes at a time. In the graph the same
;; update took 4 to 13 elementwise operators per parameter, each a pass of its own (about a quarter of
;; the MLP step): see bench/README.md. Each operation is the graph's float32 operation in the graph's
;; order, rounded as it was (IEEE add, mul, div, sqrt, max; no fused multiply-add), so results are
;; bit-identical to the operator graph's; test/engine/update-kernel.test.ts holds them to a float32
;; reference and this file to the bytes in update-wasm.ts (npm run build:wasm assembles it with wabt).
;;
;; Every function takes byte offsets of 16-byte-aligned float32 regions in the imported memory and
;; `nv`, the number of 4-lane vectors to update; the per-step scalars (the decayed learning rate, Adam's
;; lr_t) come from the host, already rounded to float32.
(module
  (import "env" "mem" (memory 1))

  ;; SGD: p = p - g*lr
  (func (export "sgd") (param $p i32) (param $g i32) (param $nv i32) (param $lr f32)
    (local $end i32) (local $vlr v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $nv) (i32.const 4))))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $next
        (v128.store (local.get $p)
          (f32x4.sub (v128.load (local.get $p)) (f32x4.mul (v128.load (local.get $g)) (local.get $vlr))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end))))))

  ;; SGD with momentum: step = g*lr; v = v*momentum - step; p = p + v,
  ;; or with Nesterov's: p = (p + v*momentum) - step
  (func (export "sgdMomentum") (param $p i32) (param $g i32) (param $v i32) (param $nv i32)
        (param $lr f32) (param $momentum f32) (param $nesterov i32)
    (local $end i32) (local $vlr v128) (local $vmom v128) (local $step v128) (local $vv v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vmom (f32x4.splat (local.get $momentum)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $nv) (i32.const 4))))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $next
        (local.set $step (f32x4.mul (v128.load (local.get $g)) (local.get $vlr)))
        (local.set $vv (f32x4.sub (f32x4.mul (v128.load (local.get $v)) (local.get $vmom)) (local.get $step)))
        (v128.store (local.get $v) (local.get $vv))
        (if (local.get $nesterov)
          (then
            (v128.store (local.get $p)
              (f32x4.sub
                (f32x4.add (v128.load (local.get $p)) (f32x4.mul (local.get $vv) (local.get $vmom)))
                (local.get $step))))
          (else
            (v128.store (local.get $p) (f32x4.add (v128.load (local.get $p)) (local.get $vv)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end))))))

  ;; RMSprop: a = a*rho + (g*g)*(1 - rho); p = p - (g*lr) / (sqrt(a) + eps)   (eps outside the root)
  (func (export "rmsprop") (param $p i32) (param $g i32) (param $a i32) (param $nv i32)
        (param $lr f32) (param $rho f32) (param $oneMinusRho f32) (param $eps f32)
    (local $end i32) (local $vlr v128) (local $vrho v128) (local $vomr v128) (local $veps v128)
    (local $vg v128) (local $va v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vrho (f32x4.splat (local.get $rho)))
    (local.set $vomr (f32x4.splat (local.get $oneMinusRho)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $nv) (i32.const 4))))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $next
        (local.set $vg (v128.load (local.get $g)))
        (local.set $va
          (f32x4.add
            (f32x4.mul (v128.load (local.get $a)) (local.get $vrho))
            (f32x4.mul (f32x4.mul (local.get $vg) (local.get $vg)) (local.get $vomr))))
        (v128.store (local.get $a) (local.get $va))
        (v128.store (local.get $p)
          (f32x4.sub (v128.load (local.get $p))
            (f32x4.div (f32x4.mul (local.get $vg) (local.get $vlr))
                       (f32x4.add (f32x4.sqrt (local.get $va)) (local.get $veps)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $a (i32.add (local.get $a) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end))))))

  ;; Adam (lr = lr_t): m = m*b1 + g*(1 - b1); v = v*b2 + (g*g)*(1 - b2);
  ;; AMSGrad: vhat = max(vhat, v), the root taken of vhat; p = p - (m*lr) / (sqrt(v or vhat) + eps)
  ;; ($vhat is ignored without AMSGrad)
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $vhat i32) (param $nv i32)
        (param $lr f32) (param $b1 f32) (param $oneMinusB1 f32) (param $b2 f32) (param $oneMinusB2 f32)
        (param $eps f32) (param $amsgrad i32)
    (local $end i32) (local $vlr v128) (local $vb1 v128) (local $vomb1 v128) (local $vb2 v128)
    (local $vomb2 v128) (local $veps v128) (local $vg v128) (local $vm v128) (local $vv v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vomb1 (f32x4.splat (local.get $oneMinusB1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vomb2 (f32x4.splat (local.get $oneMinusB2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $nv) (i32.const 4))))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $next
        (local.set $vg (v128.load (local.get $g)))
        (local.set $vm
          (f32x4.add
            (f32x4.mul (v128.load (local.get $m)) (local.get $vb1))
            (f32x4.mul (local.get $vg) (local.get $vomb1))))
        (v128.store (local.get $m) (local.get $vm))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (local.get $v)) (local.get $vb2))
            (f32x4.mul (f32x4.mul (local.get $vg) (local.get $vg)) (local.get $vomb2))))
        (v128.store (local.get $v) (local.get $vv))
        (if (local.get $amsgrad)
          (then
            (local.set $vv (f32x4.max (v128.load (local.get $vhat)) (local.get $vv)))
            (v128.store (local.get $vhat) (local.get $vv))
            (local.set $vhat (i32.add (local.get $vhat) (i32.const 16)))))
        (v128.store (local.get $p)
          (f32x4.sub (v128.load (local.get $p))
            (f32x4.div (f32x4.mul (local.get $vm) (local.get $vlr))
                       (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $veps)))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (local.set $m (i32.add (local.get $m) (i32.const 16)))
        (local.set $v (i32.add (local.get $v) (i32.const 16)))
        (br_if $next (i32.lt_u (local.get $p) (local.get $end)))))))
