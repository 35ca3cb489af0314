"""Our learning-rate schedules against torch.optim.lr_scheduler over 2000 updates at lr 0.1:
prints each schedule's largest relative difference and the lr at updates 1, 600 and 2000.
Needs the ``bench`` extra (torch). Run: python bench/schedules_torch.py"""
import sys; sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
import torch
from nncore.schedules import ScheduleSpec
def torch_lrs(make, total, base):
    p = torch.nn.Parameter(torch.zeros(1)); opt = torch.optim.SGD([p], lr=base)
    sch = make(opt); out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"]); opt.step(); sch.step()
    return out
L = torch.optim.lr_scheduler
T, base = 2000, 0.1
cases = {
 "onecycle": (lambda o: L.OneCycleLR(o, max_lr=base, total_steps=T), ScheduleSpec("onecycle")),
 "cosine": (lambda o: L.CosineAnnealingLR(o, T_max=T, eta_min=1e-4), ScheduleSpec("cosine", {"min": 1e-4})),
 "step": (lambda o: L.StepLR(o, step_size=500, gamma=0.5), ScheduleSpec("step", {"gamma": 0.5, "every": 500})),
 "exponential": (lambda o: L.ExponentialLR(o, gamma=0.999), ScheduleSpec("exponential")),
}
for name, (make, spec) in cases.items():
    ref = torch_lrs(make, T, base); ours = [spec.lr(t, T, base) for t in range(T)]
    print(name, max(abs(a - b) / max(abs(a), 1e-30) for a, b in zip(ref, ours)), ref[0], ref[599], ref[-1])
