"""An import that fails both ways: nothing may be remembered for it."""
import hostel_no_such_module_at_all
