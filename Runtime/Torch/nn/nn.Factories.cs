namespace AttrDsl.Torch;

public static partial class torch
{
    public static partial class nn
    {
#pragma warning disable CS1591 // each factory returns the documented module of the same name
        public static Linear Linear(long in_features, long out_features, bool hasBias = true, ScalarType? dtype = null) => new(in_features, out_features, hasBias, dtype);
        public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true, ScalarType? dtype = null) =>
            new(in_channels, out_channels, [kernelSize, kernelSize], [stride, stride], [padding, padding], [dilation, dilation], groups, bias, dtype);
        public static Conv2d Conv2d(long in_channels, long out_channels, (long h, long w) kernelSize, (long h, long w)? stride = null, (long h, long w)? padding = null, long groups = 1, bool bias = true, ScalarType? dtype = null) =>
            new(in_channels, out_channels, [kernelSize.h, kernelSize.w], stride is { } s ? [s.h, s.w] : null, padding is { } p ? [p.h, p.w] : null, null, groups, bias, dtype);
        public static Conv1d Conv1d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1, long groups = 1, bool bias = true, ScalarType? dtype = null) =>
            new(in_channels, out_channels, kernelSize, stride, padding, dilation, groups, bias, dtype);
        public static MaxPool2d MaxPool2d(long kernelSize, long? stride = null, long padding = 0) =>
            new([kernelSize, kernelSize], [stride ?? kernelSize, stride ?? kernelSize], [padding, padding]);
        public static AvgPool2d AvgPool2d(long kernelSize, long? stride = null, long padding = 0) =>
            new([kernelSize, kernelSize], [stride ?? kernelSize, stride ?? kernelSize], [padding, padding]);
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d(long outputSize) => new([outputSize, outputSize]);
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d((long h, long w) outputSize) => new([outputSize.h, outputSize.w]);
        public static BatchNorm1d BatchNorm1d(long features, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track_running_stats = true, ScalarType? dtype = null) =>
            new(features, eps, momentum, affine, track_running_stats, dtype);
        public static BatchNorm2d BatchNorm2d(long features, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool track_running_stats = true, ScalarType? dtype = null) =>
            new(features, eps, momentum, affine, track_running_stats, dtype);
        public static LayerNorm LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true, ScalarType? dtype = null) => new(normalized_shape, eps, elementwise_affine, dtype);
        public static LayerNorm LayerNorm(long normalized_shape, double eps = 1e-5, bool elementwise_affine = true, ScalarType? dtype = null) => new([normalized_shape], eps, elementwise_affine, dtype);
        public static Dropout Dropout(double p = 0.5) => new(p);
        public static ReLU ReLU() => new();
        public static LeakyReLU LeakyReLU(double negative_slope = 0.01) => new(negative_slope);
        public static Tanh Tanh() => new();
        public static Sigmoid Sigmoid() => new();
        public static Softplus Softplus(double beta = 1, double threshold = 20) => new(beta, threshold);
        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);
        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules) => new(modules);
        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) => new(modules);
        public static Embedding Embedding(long num_embeddings, long embedding_dim, long? padding_idx = null, ScalarType? dtype = null) => new(num_embeddings, embedding_dim, padding_idx, dtype);
        public static LSTM LSTM(long input_size, long hidden_size, long num_layers = 1, bool bias = true, bool batch_first = false, double dropout = 0, bool bidirectional = false, ScalarType? dtype = null) =>
            new(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype);
        public static CrossEntropyLoss CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0) => new(weight, ignore_index, reduction, label_smoothing);
        public static NLLLoss NLLLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) => new(weight, -100, reduction);
        public static MSELoss MSELoss(Reduction reduction = Reduction.Mean) => new(reduction);
        public static L1Loss L1Loss(Reduction reduction = Reduction.Mean) => new(reduction);
        public static BCEWithLogitsLoss BCEWithLogitsLoss(Tensor? weight = null, Tensor? pos_weight = null, Reduction reduction = Reduction.Mean) => new(weight, pos_weight, reduction);
#pragma warning restore CS1591
    }
}
