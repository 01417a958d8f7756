global using AttrDsl;
global using TorchSharp;
global using static TorchSharp.torch;
