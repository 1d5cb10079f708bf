# Times openapi-spec-validator per file: parse (PyYAML with libyaml's CSafeLoader, or json) + validate.
import json, sys, time, os, resource
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

path = sys.argv[1]
start = time.perf_counter()
with open(path, "rb") as f:
    data = f.read()
try:
    if data.lstrip()[:1] in (b"{", b"["):
        spec = json.loads(data)
    else:
        spec = yaml.load(data, Loader=yaml.CSafeLoader)
except Exception as e:
    print(f"{os.path.basename(path)}\tparse-error\t{time.perf_counter()-start:.3f}\t{type(e).__name__}")
    sys.exit(0)
parsed = time.perf_counter()
try:
    validate(spec)
    verdict = "valid"
except Exception as e:
    verdict = "invalid:" + type(e).__name__
done = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{os.path.basename(path)}\t{verdict}\t{parsed-start:.3f}\t{done-parsed:.3f}\t{done-start:.3f}\t{peak:.0f}")
