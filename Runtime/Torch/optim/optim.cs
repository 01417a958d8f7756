namespace AttrDsl.Torch;

public static partial class torch
{
    /// <summary>Optimizers and learning-rate schedulers, shaped like TorchSharp's <c>torch.optim</c>.</summary>
    public static class optim
    {
        /// <summary>SGD over parameters (momentum, dampening, Nesterov, weight decay).</summary>
        public static SGD SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false) =>
            new([new ParamGroup(parameters)], lr, momentum, dampening, weight_decay, nesterov);
        /// <summary>SGD over parameter groups.</summary>
        public static SGD SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weight_decay = 0, bool nesterov = false) =>
            new(groups, lr, momentum, dampening, weight_decay, nesterov);
        /// <summary>Adam (L2 weight decay added to the gradient).</summary>
        public static Adam Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weight_decay = 0) =>
            new([new ParamGroup(parameters)], lr, betas ?? (0.9, 0.999), eps, weight_decay, decoupled: false);
        /// <summary>Adam over parameter groups.</summary>
        public static Adam Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weight_decay = 0) =>
            new(groups, lr, betas ?? (0.9, 0.999), eps, weight_decay, decoupled: false);
        /// <summary>AdamW (decoupled weight decay, default 0.01).</summary>
        public static Adam AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weight_decay = 0.01) =>
            new([new ParamGroup(parameters)], lr, betas ?? (0.9, 0.999), eps, weight_decay, decoupled: true);
        /// <summary>AdamW over parameter groups.</summary>
        public static Adam AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weight_decay = 0.01) =>
            new(groups, lr, betas ?? (0.9, 0.999), eps, weight_decay, decoupled: true);

        /// <summary>Learning-rate schedulers.</summary>
        public static class lr_scheduler
        {
            /// <summary>γ every <paramref name="step_size"/> epochs.</summary>
            public static StepLR StepLR(Optimizer optimizer, int step_size, double gamma = 0.1) => new(optimizer, step_size, gamma);
            /// <summary>γ every epoch.</summary>
            public static ExponentialLR ExponentialLR(Optimizer optimizer, double gamma) => new(optimizer, gamma);
        }
    }
}
