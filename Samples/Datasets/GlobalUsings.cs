global using TorchSharp;
global using static TorchSharp.torch;
global using AttrDsl.Checkpoints;
