# Cross-check on real PyTorch: is a vanilla CNN / MLP fooled by DecoyMNIST built from the same 10,000 digits?
import struct, random, time, sys, os
import torch, torch.nn as nn, torch.nn.functional as F
dev = 'cuda' if torch.cuda.is_available() else 'cpu'
raw = open(os.path.join(os.path.dirname(__file__), 'mnist.bin'), 'rb').read()
n = struct.unpack('<I', raw[:4])[0]
labels = torch.tensor(list(raw[4:4+n]), dtype=torch.long)
imgs = torch.frombuffer(bytearray(raw[4+n:]), dtype=torch.uint8).reshape(n, 1, 28, 28).float() / 255
print('torch', torch.__version__, dev, n, flush=True)

def decoy(x, y, test, rng, size=4, reverse=False):
    x = x.clone(); masks = torch.zeros_like(x)
    for i in range(x.shape[0]):
        c = rng.randrange(4)
        if test:
            cue = (9 - int(y[i])) if reverse else rng.randrange(10)
        else:
            cue = int(y[i])
        shade = (255 - 25 * cue) / 255
        t = 0 if c < 2 else 28 - size; l = 0 if c % 2 == 0 else 28 - size
        x[i, 0, t:t+size, l:l+size] = shade
    return x

class MnistNet(nn.Module):  # AttrDsl's sample CNN
    def __init__(s):
        super().__init__(); s.c1 = nn.Conv2d(1, 32, 5); s.c2 = nn.Conv2d(32, 64, 5); s.f1 = nn.Linear(1024, 128); s.f2 = nn.Linear(128, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.c1(x)), 2); x = F.max_pool2d(F.relu(s.c2(x)), 2)
        return s.f2(F.relu(s.f1(x.flatten(1))))
class CdepNet(nn.Module):  # CDEP's DecoyMNIST CNN
    def __init__(s):
        super().__init__(); s.c1 = nn.Conv2d(1, 20, 5); s.c2 = nn.Conv2d(20, 50, 5); s.f1 = nn.Linear(800, 500); s.f2 = nn.Linear(500, 10)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.c1(x)), 2); x = F.max_pool2d(F.relu(s.c2(x)), 2)
        return s.f2(F.relu(s.f1(x.flatten(1))))
class Mlp(nn.Module):  # Ross et al.'s MLP
    def __init__(s):
        super().__init__(); s.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 50), nn.ReLU(), nn.Linear(50, 50), nn.ReLU(), nn.Linear(50, 10))
    def forward(s, x): return s.net(x)

def run(model_cls, seed, epochs, signed, reverse, train_n=8000):
    rng = random.Random(seed); idx = list(range(n)); rng.shuffle(idx)
    tr, te = idx[:train_n], idx[8000:]
    xtr = decoy(imgs[tr], labels[tr], False, rng); xte = decoy(imgs[te], labels[te], True, rng, reverse=reverse)
    if signed: xtr, xte = 2 * xtr - 1, 2 * xte - 1
    xtr, ytr, xte, yte = xtr.to(dev), labels[tr].to(dev), xte.to(dev), labels[te].to(dev)
    torch.manual_seed(seed); m = model_cls().to(dev); opt = torch.optim.Adam(m.parameters(), 1e-3)
    g = torch.Generator(device='cpu').manual_seed(seed)
    for e in range(epochs):
        perm = torch.randperm(len(tr), generator=g)
        for b in range(0, len(tr), 64):
            i = perm[b:b+64].to(dev); opt.zero_grad(); F.cross_entropy(m(xtr[i]), ytr[i]).backward(); opt.step()
    with torch.no_grad():
        a_tr = (m(xtr).argmax(1) == ytr).float().mean().item() * 100; a_te = (m(xte).argmax(1) == yte).float().mean().item() * 100
    return a_tr, a_te

t0 = time.time()
for name, cls in [('MnistNet (AttrDsl sample CNN)', MnistNet), ('CDEP CNN', CdepNet), ('Ross MLP 50-50', Mlp)]:
    for signed in (False, True):
        for reverse in (False, True):
            for epochs in (6, 15):
                res = [run(cls, s, epochs, signed, reverse) for s in (0, 1, 2)]
                print(f'{name:30s} inputs {"[-1,1]" if signed else "[0,1]":6s} test cue {"reversed" if reverse else "random":8s} epochs {epochs:2d}: '
                      + '  '.join(f'seed{s}: train {a:.2f} test {b:.2f}' for s, (a, b) in enumerate(res)), flush=True)
print(f'done in {time.time()-t0:.0f}s')
