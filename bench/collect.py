"""Gathers every workload's latest section (bench/results/NAME.md) into bench/RESULTS.md between the bench/run
markers, keeping the rest of the file: collect.py RESULTS.md RESULTS_DIR NAME..."""
import os, sys
path, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]
begin, end = "<!-- bench/run: begin (generated from bench/results/*.md) -->", "<!-- bench/run: end -->"
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
sections = [open(os.path.join(folder, f"{n}.md")).read().strip() for n in names if os.path.exists(os.path.join(folder, f"{n}.md"))]
block = (begin + "\n## bench/run: lookout beside its peers\n\n"
         "Every figure below was measured by `bench/run` on the machine and date its section names; peers ran in the same "
         "run. The build machine is shared with other engineers compiling, so wall times are noisy: CPU times and "
         "same-run ratios are the figures to compare. See bench/README.md.\n\n" + "\n\n".join(sections) + "\n" + end)
if begin in text and end in text:
    text = text[:text.index(begin)] + block + text[text.index(end) + len(end):]
else:
    text = text.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w").write(text)
