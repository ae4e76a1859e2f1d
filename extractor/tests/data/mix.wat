;; A small module for regpress's `.wasm` front end: a word-mixing loop over
;; linear memory, a function that calls it, and a rotate-heavy round.
(module
  (memory (export "memory") 1)
  (func $round (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    (local $t i32)
    (local.set $a (i32.add (local.get $a) (local.get $b)))
    (local.set $d (i32.rotl (i32.xor (local.get $d) (local.get $a)) (i32.const 16)))
    (local.set $c (i32.add (local.get $c) (local.get $d)))
    (local.set $b (i32.rotl (i32.xor (local.get $b) (local.get $c)) (i32.const 12)))
    (local.set $a (i32.add (local.get $a) (local.get $b)))
    (local.set $d (i32.rotl (i32.xor (local.get $d) (local.get $a)) (i32.const 8)))
    (local.set $c (i32.add (local.get $c) (local.get $d)))
    (local.set $b (i32.rotl (i32.xor (local.get $b) (local.get $c)) (i32.const 7)))
    (i32.xor (i32.xor (local.get $a) (local.get $b)) (i32.xor (local.get $c) (local.get $d))))
  (func $mix (export "mix") (param $p i32) (param $n i32) (result i32)
    (local $h i32)
    (local.set $h (i32.const 0x811c9dc5))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $h
          (i32.mul
            (i32.xor (local.get $h) (i32.load (local.get $p)))
            (i32.const 0x01000193)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $h))
  (func $hash (export "hash") (param $p i32) (param $n i32) (result i32)
    (call $round
      (call $mix (local.get $p) (local.get $n))
      (call $mix (i32.add (local.get $p) (i32.const 64)) (local.get $n))
      (i32.load offset=8 (local.get $p))
      (i32.load offset=12 (local.get $p)))))
