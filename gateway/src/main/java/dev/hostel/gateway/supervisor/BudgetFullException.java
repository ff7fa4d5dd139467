package dev.hostel.gateway.supervisor;

/** A runner cannot start because the memory budget is full and no idle-capable runner could make room. */
public final class BudgetFullException extends Exception {
    public BudgetFullException(String message) {
        super(message, null, false, false);
    }
}
