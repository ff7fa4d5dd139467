"""An application whose import fails, for the runner's exit status 3."""
import hostel_no_such_module_anywhere

application = None
