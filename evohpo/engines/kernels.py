"""TensorFlow's one-op update kernels for the plain optimizers, inside the fused step.

Why: tracing a member's optimizer update was 60 % of the fused engine's trace time for a CNN
(Keras' Adam writes its update as about 20 graph ops per variable, and building each op costs
Python time; ``ResourceApplyAdam`` is one op). The kernels compute Keras' own formulas
(``keras.optimizers.Adam`` and ``SGD`` with or without (Nesterov) momentum were written from
them), so an optimizer is handed to a kernel only when it is exactly such an optimizer with
nothing on top: no clipping, weight decay, EMA, gradient accumulation, loss scaling, AMSGrad,
variable constraints or non-float32 variables. Any other optimizer (a subclass, RMSprop, a
user's own) keeps ``optimizer.apply_gradients``.

SGD's kernels give Keras' numbers bit for bit. Adam's kernel rounds ``1 - beta`` in float32
where Keras rounds it from float64 (``1 - 0.999`` is 0.00099998713 against 0.001): Adam with a
beta_2 1.3e-8 larger, 2e-4 apart (relative) after 30 steps. Writing Keras' Adam out op for op
gave identical numbers but cost 40 % more per fused CNN group (5.8 s against 4.2 s for 12
members and 5 epochs), so the kernel stays; ``tests/engines/test_kernels.py`` pins both facts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Update = Callable[[Sequence[tuple[Any, Any]]], None]


def plain_update(tf: Any, keras: Any, optimizer: Any, variables: Sequence[Any]) -> Update | None:
    """A function applying ``(gradient, variable)`` pairs with one kernel per variable, or
    None when ``optimizer`` is not exactly a plain Adam or SGD (use ``apply_gradients``)."""
    kind = type(optimizer)
    if kind not in (keras.optimizers.Adam, keras.optimizers.SGD) or not _nothing_on_top(
            keras, optimizer, variables):
        return None
    if kind is keras.optimizers.Adam:
        if optimizer.amsgrad or not all(isinstance(b, int | float) for b in (
                optimizer.beta_1, optimizer.beta_2, optimizer.epsilon)):
            return None
        return _adam(tf, optimizer)
    if not isinstance(optimizer.momentum, int | float):
        return None
    return _sgd(tf, optimizer)


def _nothing_on_top(keras: Any, optimizer: Any, variables: Sequence[Any]) -> bool:
    """True when Keras' ``apply`` would do nothing but ``update_step`` and count the step."""
    extras = (optimizer.clipnorm, optimizer.clipvalue, optimizer.global_clipnorm,
              optimizer.weight_decay, optimizer.gradient_accumulation_steps,
              optimizer.loss_scale_factor)
    if any(extras) or optimizer.use_ema:
        return False
    if not optimizer.built:
        return False
    return all(v.dtype == "float32" and v.constraint is None
               and not getattr(v, "overwrite_with_gradient", False) for v in variables)


def _dense(tf: Any, gradient: Any) -> Any:
    return tf.convert_to_tensor(gradient) if isinstance(gradient, tf.IndexedSlices) else gradient


def _adam(tf: Any, opt: Any) -> Update:
    f32 = tf.float32

    def update(pairs: Sequence[tuple[Any, Any]]) -> None:
        lr = tf.cast(opt.learning_rate, f32)
        step = tf.cast(opt.iterations + 1, f32)
        b1, b2 = tf.constant(opt.beta_1, f32), tf.constant(opt.beta_2, f32)
        b1_power, b2_power = tf.pow(b1, step), tf.pow(b2, step)
        eps = tf.constant(opt.epsilon, f32)
        for gradient, variable in pairs:
            i = opt._get_variable_index(variable)
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle, m=opt._momentums[i].handle, v=opt._velocities[i].handle,
                beta1_power=b1_power, beta2_power=b2_power, lr=lr, beta1=b1, beta2=b2,
                epsilon=eps, grad=_dense(tf, gradient))
        opt.iterations.assign_add(1)

    return update


def _sgd(tf: Any, opt: Any) -> Update:
    def update(pairs: Sequence[tuple[Any, Any]]) -> None:
        lr = tf.cast(opt.learning_rate, tf.float32)
        momentum = tf.constant(opt.momentum, tf.float32)
        for gradient, variable in pairs:
            grad = _dense(tf, gradient)
            if opt.momentum == 0:
                tf.raw_ops.ResourceApplyGradientDescent(var=variable.handle, alpha=lr,
                                                        delta=grad)
                continue
            accum = opt.momentums[opt._get_variable_index(variable)]
            tf.raw_ops.ResourceApplyKerasMomentum(
                var=variable.handle, accum=accum.handle, lr=lr, grad=grad, momentum=momentum,
                use_nesterov=bool(opt.nesterov))
        opt.iterations.assign_add(1)

    return update
