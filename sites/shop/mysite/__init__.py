# The shop's "project" package. The blog uses the very same package name
# (mysite) and the same module globals: under Hostel each site runs in its own
# runner process, so the two never meet in one sys.modules.
