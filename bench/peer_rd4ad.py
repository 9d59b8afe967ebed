"""RD4AD in PyTorch eager, timed like `rdc bench` times the compiled model: the peer of
`make bench`. Runs only inside the benchmark (make bench-peer installs torch into .venv-peer);
rdc itself never runs Python.

The modules are written in plain torch.nn after the official code (hq-deng/RD4AD resnet.py,
de_resnet.py, main.py, test.py) and /work/shared/spec/models.md: a torchvision ResNet18 /
WideResNet50-2 up to layer3 or EfficientNet-Lite0 up to block 10 as the frozen teacher, the
one-class bottleneck embedding (OCBE, "bn") and the de_resnet decoder. Same steps as rdc bench:
  train         teacher (eval, no grad) + OCBE/decoder (train mode) + loss + backward + Adam
  train-cached  the same from teacher features computed beforehand
  infer         everything in eval mode + anomaly maps (1 - cos, bilinear upsample, sum,
                Gaussian sigma 4 in float64) + image score
Prints one JSON line with the keys of rdc bench's (impl "pytorch").

  .venv-peer/bin/python bench/peer_rd4ad.py --model rd4ad_resnet18 --image-size 256 --batch 16 --what train
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- ResNet blocks (torchvision) and their decoder mirrors (de_resnet.py) ----

def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, bias=False)


def conv1x1(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, 1, stride, bias=False)


def deconv2x2(cin, cout, stride=2):
    return nn.ConvTranspose2d(cin, cout, 2, stride, bias=False)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride=1, shortcut=None, width_per_group=64, decoder=False):
        super().__init__()
        up = decoder and stride == 2
        self.conv1 = deconv2x2(cin, planes, stride) if up else conv3x3(cin, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = shortcut

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride=1, shortcut=None, width_per_group=64, decoder=False):
        super().__init__()
        width = planes * width_per_group // 64
        up = decoder and stride == 2
        self.conv1 = conv1x1(cin, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = deconv2x2(width, width, stride) if up else conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = conv1x1(width, planes * 4)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = shortcut

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.shortcut is None else self.shortcut(x)))


def stage(block, cin, planes, blocks, stride, width_per_group, decoder=False):
    """torchvision's / de_resnet.py's _make_layer; returns the stage and its output width."""
    cout = planes * block.expansion
    shortcut = None
    if stride != 1 or cin != cout:
        conv = deconv2x2(cin, cout, stride) if decoder else conv1x1(cin, cout, stride)
        shortcut = nn.Sequential(conv, nn.BatchNorm2d(cout))
    layers = [block(cin, planes, stride, shortcut, width_per_group, decoder)]
    layers += [block(cout, planes, 1, None, width_per_group, decoder) for _ in range(1, blocks)]
    return nn.Sequential(*layers), cout


class ResNetTeacher(nn.Module):
    def __init__(self, block, layers, width_per_group):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1, c = stage(block, 64, 64, layers[0], 1, width_per_group)
        self.layer2, c = stage(block, c, 128, layers[1], 2, width_per_group)
        self.layer3, c = stage(block, c, 256, layers[2], 2, width_per_group)
        self.taps = [64 * block.expansion, 128 * block.expansion, 256 * block.expansion]

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        f1 = self.layer1(x)
        f2 = self.layer2(f1)
        return [f1, f2, self.layer3(f2)]


# ---- EfficientNet-Lite0 (TensorFlow "SAME" padding, BN eps 1e-3, ReLU6) ----

class SameConv(nn.Conv2d):
    """Conv2d with TensorFlow SAME padding: total max((ceil(i/s)-1)*s+k-i, 0), the odd pixel after."""

    def forward(self, x):
        pads = []
        for i, k, s in ((x.shape[-1], self.kernel_size[1], self.stride[1]), (x.shape[-2], self.kernel_size[0], self.stride[0])):
            total = max((-(-i // s) - 1) * s + k - i, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


def bn_lite(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class MBConv(nn.Module):
    def __init__(self, k, s, e, cin, cout):
        super().__init__()
        mid = cin * e
        self.expand = nn.Sequential(SameConv(cin, mid, 1, bias=False), bn_lite(mid), nn.ReLU6(inplace=True)) if e != 1 else None
        self.depthwise = nn.Sequential(SameConv(mid, mid, k, s, groups=mid, bias=False), bn_lite(mid), nn.ReLU6(inplace=True))
        self.project = nn.Sequential(SameConv(mid, cout, 1, bias=False), bn_lite(cout))
        self.residual = s == 1 and cin == cout

    def forward(self, x):
        out = self.project(self.depthwise(x if self.expand is None else self.expand(x)))
        return out + x if self.residual else out


class Lite0Teacher(nn.Module):
    # (kernel, stride, expansion, in, out, repeats) of blocks 0..10; taps after blocks 2, 4, 10.
    STAGES = [(3, 1, 1, 32, 16, 1), (3, 2, 6, 16, 24, 2), (5, 2, 6, 24, 40, 2), (3, 2, 6, 40, 80, 3), (5, 1, 6, 80, 112, 3)]
    TAPS = (2, 4, 10)

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(SameConv(3, 32, 3, 2, bias=False), bn_lite(32), nn.ReLU6(inplace=True))
        blocks = []
        for k, s, e, cin, cout, n in self.STAGES:
            blocks += [MBConv(k, s if i == 0 else 1, e, cin if i == 0 else cout, cout) for i in range(n)]
        self.blocks = nn.ModuleList(blocks)
        self.taps = [24, 40, 112]

    def forward(self, x):
        x, features = self.stem(x), []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if i in self.TAPS:
                features.append(x)
        return features


# ---- OCBE (resnet.py BN_layer) and decoder (de_resnet.py) ----

class OCBE(nn.Module):
    def __init__(self, taps, block, blocks, planes, width_per_group):
        super().__init__()
        c1, c2, c3 = taps
        self.conv1, self.bn1 = conv3x3(c1, c2, 2), nn.BatchNorm2d(c2)
        self.conv2, self.bn2 = conv3x3(c2, c3, 2), nn.BatchNorm2d(c3)
        self.conv3, self.bn3 = conv3x3(c2, c3, 2), nn.BatchNorm2d(c3)
        self.relu = nn.ReLU(inplace=True)
        self.bn_layer, self.embedding = stage(block, 3 * c3, planes, blocks, 2, width_per_group)

    def forward(self, f):
        l1 = self.relu(self.bn2(self.conv2(self.relu(self.bn1(self.conv1(f[0]))))))
        l2 = self.relu(self.bn3(self.conv3(f[1])))
        return self.bn_layer(torch.cat([l1, l2, f[2]], 1)).contiguous()


class Decoder(nn.Module):
    def __init__(self, embedding, block, layers, planes, width_per_group):
        super().__init__()
        self.layer1, c = stage(block, embedding, planes[0], layers[0], 2, width_per_group, decoder=True)
        self.layer2, c = stage(block, c, planes[1], layers[1], 2, width_per_group, decoder=True)
        self.layer3, c = stage(block, c, planes[2], layers[2], 2, width_per_group, decoder=True)

    def forward(self, x):
        a = self.layer1(x)
        b = self.layer2(a)
        return [self.layer3(b), b, a]


def build(model):
    """(teacher, ocbe, decoder) of a zoo model, OCBE and decoder initialised as the official constructors do."""
    if model == "rd4ad_lite0":
        teacher = Lite0Teacher()
        e = 2 * teacher.taps[2]
        ocbe = OCBE(teacher.taps, BasicBlock, 2, e, 64)
        decoder = Decoder(e, BasicBlock, [2, 2, 2], teacher.taps[::-1], 64)
    else:
        block, layers, wpg, ocbe_blocks, dec_layers = {
            "rd4ad_resnet18": (BasicBlock, [2, 2, 2], 64, 2, [2, 2, 2]),
            "rd4ad_resnet34": (BasicBlock, [3, 4, 6], 64, 2, [3, 4, 6]),
            "rd4ad_resnet50": (Bottleneck, [3, 4, 6], 64, 3, [3, 4, 6]),
            "rd4ad_wrn50": (Bottleneck, [3, 4, 6], 128, 3, [3, 4, 6]),
        }[model]
        teacher = ResNetTeacher(block, layers, wpg)
        ocbe = OCBE(teacher.taps, block, ocbe_blocks, 512, wpg)
        decoder = Decoder(ocbe.embedding, block, dec_layers, [256, 128, 64], wpg)
    for m in list(ocbe.modules()) + list(decoder.modules()):
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    return teacher, ocbe, decoder


# ---- loss and anomaly maps (main.py, test.py) ----

def loss_flat(t, s):
    return sum(torch.mean(1 - F.cosine_similarity(a.view(a.shape[0], -1), b.view(b.shape[0], -1))) for a, b in zip(t, s))


def gaussian_sigma4(maps):
    """scipy.ndimage.gaussian_filter(sigma=4) per image: truncate 4 (radius 16), 'reflect' (d c b a | a b c d), float64."""
    radius, sigma = 16, 4.0
    x = torch.arange(-radius, radius + 1, dtype=torch.float64)
    w = torch.exp(-0.5 * (x / sigma) ** 2)
    w = (w / w.sum()).view(1, 1, -1)
    m = maps.to(torch.float64).unsqueeze(1)
    for dim in (3, 2):
        n = m.shape[dim]
        idx = torch.arange(-radius, n + radius)
        idx = torch.where(idx < 0, -idx - 1, torch.where(idx >= n, 2 * n - idx - 1, idx))
        padded = m.index_select(dim, idx)
        if dim == 3:
            m = F.conv2d(padded, w.view(1, 1, 1, -1))
        else:
            m = F.conv2d(padded, w.view(1, 1, -1, 1))
    return m.squeeze(1)


def anomaly_scores(t, s, size):
    total = 0
    for a, b in zip(t, s):
        amap = (1 - F.cosine_similarity(a, b)).unsqueeze(1)
        total = total + F.interpolate(amap, size=size, mode="bilinear", align_corners=True)
    return gaussian_sigma4(total.squeeze(1)).flatten(1).max(1).values


# ---- timing, as rdc bench's StepTimer and OtherLoad ----

def busy_seconds():
    """All CPUs' non-idle time from /proc/stat (user, nice, system, irq, softirq, steal), or None."""
    try:
        with open("/proc/stat") as f:
            ticks = [float(v) for v in f.readline().split()[1:9]]
        return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def own_seconds():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def wait_for_quiet(timeout):
    """As rdc bench --quiet-wait: up to `timeout` seconds for a second with others under a tenth of the CPUs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wall0, busy0, own0 = time.monotonic(), busy_seconds(), own_seconds()
        time.sleep(1)
        busy1, wall = busy_seconds(), (time.monotonic() - wall0) * os.cpu_count()
        if busy0 is None or busy1 is None or (busy1 - busy0 - (own_seconds() - own0)) / wall < 0.1:
            return


def time_steps(step, steps, warmup, max_seconds):
    for _ in range(warmup):
        step()
    wall0, busy0, own0 = time.monotonic(), busy_seconds(), own_seconds()
    times = []
    while len(times) < steps:
        t0 = time.monotonic()
        step()
        times.append(time.monotonic() - t0)
        if time.monotonic() - wall0 > max_seconds:
            break
    busy1, wall = busy_seconds(), (time.monotonic() - wall0) * os.cpu_count()
    others = None
    if busy0 is not None and busy1 is not None and wall > 0:
        others = min(1.0, max(0.0, (busy1 - busy0 - (own_seconds() - own0)) / wall))
    return times, others


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--image-size", required=True, help="HxW or one number")
    p.add_argument("--batch", type=int, required=True)
    p.add_argument("--what", required=True, choices=["train", "train-cached", "infer"])
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=600)
    p.add_argument("--quiet-wait", type=float, default=0)
    args = p.parse_args()
    h, w = (int(v) for v in (args.image_size.split("x") * 2)[:2])
    threads = int(os.environ.get("OMP_NUM_THREADS", "2"))
    torch.set_num_threads(threads)
    torch.manual_seed(0)

    teacher, ocbe, decoder = build(args.model)
    teacher.eval()
    for param in teacher.parameters():
        param.requires_grad_(False)
    images = torch.rand(args.batch, 3, h, w) * 4 - 2
    optimizer = torch.optim.Adam(list(decoder.parameters()) + list(ocbe.parameters()), lr=0.005, betas=(0.5, 0.999))

    def student_step(features):
        optimizer.zero_grad()
        loss = loss_flat(features, decoder(ocbe(features)))
        loss.backward()
        optimizer.step()

    def train():
        with torch.no_grad():
            features = teacher(images)
        student_step(features)

    with torch.no_grad():
        cached = teacher(images)

    def infer():
        with torch.no_grad():
            t = teacher(images)
            anomaly_scores(t, decoder(ocbe(t)), (h, w)).tolist()

    if args.what == "infer":
        ocbe.eval()
        decoder.eval()
    step = {"train": train, "train-cached": lambda: student_step(cached), "infer": infer}[args.what]
    wait_for_quiet(args.quiet_wait)
    times, others = time_steps(step, args.steps, args.warmup, args.max_seconds)
    record = {"what": args.what, "impl": "pytorch", "model": args.model, "batch": args.batch, "height": h, "width": w,
              "threads": threads, "times_s": times, "median_s": statistics.median(times),
              "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
              "torch_version": torch.__version__}
    if len(times) < args.steps:
        record["capped"] = True
    if others is not None:
        record["others_cpu_share"] = others
    print(json.dumps(record, sort_keys=True))


if __name__ == "__main__":
    main()
